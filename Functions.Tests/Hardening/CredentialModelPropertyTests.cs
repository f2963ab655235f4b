using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Http;
using ServerlessAuth.Tenants;
using ServerlessAuth.Tests.Infrastructure;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ServerlessAuth.Tests.Hardening;

/// <summary>
/// Property-based model test of the API key lifecycle: CsCheck generates sequences of issue, validate, revoke,
/// rotate, clock advances (across expiries, overlap ends and purge dates), lifecycle runs and listings; each runs
/// against the real host over Azurite and every answer is compared with <see cref="CredentialModel"/>.
/// </summary>
/// <remarks>
/// One host and one fake clock serve every sequence; each sequence gets its own tenant, starts at the time of day it
/// was generated with, and first runs the lifecycle job so that the job's day cursors are where a replay finds them.
/// A failure prints the CsCheck seed (replay with <c>CsCheck_Seed=…</c>), the smallest failing sequence found and the
/// trace of what the host answered. <c>CsCheck_Iter</c> sets the number of sequences (default 40).
/// </remarks>
public sealed class CredentialModelPropertyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Sequences = 40;
    private const int MaxSteps = 14;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2027, 1, 4, 0, 0, 0, TimeSpan.Zero));
    private TestApp _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        // Limits the model does not model: no hourly budget, no failure throttle (its 429s would replace 401s).
        _app = await TestApp.StartAsync(_time, new Dictionary<string, string?>
        {
            ["ServerlessAuth:RateLimiting:Enabled"] = "false",
            ["ServerlessAuth:RateLimiting:FailureLimit"] = "0",
        });
        _client = _app.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task ApiKeys_BehaveLikeTheModelUnderRandomSequencesOfCommands()
    {
        var iterations = Environment.GetEnvironmentVariable("CsCheck_Iter") is null ? Sequences : Check.Iter;
        var stats = new Stats();
        await CredentialCommand.Sequence(MaxSteps).SampleAsync(
            async sequence => await RunSequenceAsync(sequence.StartSecondOfDay, sequence.Steps, stats),
            writeLine: output.WriteLine,
            iter: iterations,
            threads: 1, // one fake clock for all sequences: they must not interleave
            print: CredentialCommand.Print);
        output.WriteLine(stats.ToString());

        // The sequences must reach the interesting states, not only the easy ones.
        Assert.True(stats.Purged > 0 && stats.Rotations > 0 && stats.RevokedRefusals > 0 && stats.ExpiredRefusals > 0 && stats.OverlapChecks > 0, stats.ToString());
    }

    private async Task RunSequenceAsync(int startSecondOfDay, CredentialCommand[] steps, Stats stats)
    {
        // Start at the generated time of day (day boundaries matter to the lifecycle index), with the job's cursors at today.
        var now = _time.GetUtcNow();
        var start = now.Date.AddSeconds(startSecondOfDay);
        _time.Advance((start > now ? start : start.AddDays(1)) - now);
        await RunLifecycleAsync();

        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        await _app.PutOperatorAsync(tenant, "alice", "owner", "a");
        var run = new SequenceRun(this, tenant, _time.GetUtcNow(), stats);
        try
        {
            foreach (var step in steps)
            {
                await run.ExecuteAsync(step);
            }

            await run.CheckEverythingAsync();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{e.Message}\nTrace of tenant {tenant}:\n{run.Trace}", e);
        }
    }

    private async Task<JsonObject> RunLifecycleAsync()
    {
        var report = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, "/api/v1/admin/lifecycle/run");
        Assert.True(report["failures"]!.AsArray().Count == 0, $"lifecycle run reported failures: {report.ToJsonString()}");
        return report;
    }

    private sealed class Stats
    {
        public int Steps;
        public int Purged;
        public int Rotations;
        public int RevokedRefusals;
        public int ExpiredRefusals;
        public int OverlapChecks;
        public int RotatedPurgedEarly;

        public override string ToString() =>
            $"steps {Steps}, rotations {Rotations}, keys purged {Purged}, credential_revoked seen {RevokedRefusals}, credential_expired seen {ExpiredRefusals}, overlap checks {OverlapChecks}, rotated keys deleted before their issued expiry {RotatedPurgedEarly}";
    }

    /// <summary>One sequence against one tenant: executes steps, compares answers with the model, keeps a trace.</summary>
    private sealed class SequenceRun(CredentialModelPropertyTests test, string tenant, DateTimeOffset startedAt, Stats stats)
    {
        private readonly CredentialModel _model = new();
        private readonly StringBuilder _trace = new();

        public string Trace => _trace.ToString();

        private DateTimeOffset Now => test._time.GetUtcNow();

        public async Task ExecuteAsync(CredentialCommand step)
        {
            stats.Steps++;
            Note(step.ToString());
            switch (step)
            {
                case CredentialCommand.Issue issue:
                    await IssueAsync(issue.ExpiresInSeconds);
                    break;
                case CredentialCommand.Validate validate when _model.Pick(validate.Key) is { } key:
                    await ValidateAsync(key);
                    break;
                case CredentialCommand.ValidateForged forged:
                    await ValidateForgedAsync(forged.Typo ? _model.Pick(forged.Key) : null);
                    break;
                case CredentialCommand.Revoke revoke when _model.Pick(revoke.Key) is { } key:
                    await RevokeAsync(key);
                    await CheckOverlapsAsync();
                    break;
                case CredentialCommand.Rotate rotate when _model.Pick(rotate.Key) is { } key:
                    await RotateAsync(key, rotate.OverlapSeconds, rotate.NewExpiresInSeconds);
                    await CheckOverlapsAsync();
                    break;
                case CredentialCommand.Advance advance:
                    test._time.Advance(TimeSpan.FromSeconds(advance.Seconds));
                    await AfterAdvanceAsync(advance.ThenRun);
                    break;
                case CredentialCommand.AdvanceToBoundary boundary:
                    var boundaries = _model.Boundaries(Now);
                    var target = boundaries.Count == 0 ? Now.AddSeconds(1) : boundaries[boundary.Pick % boundaries.Count].AddSeconds(boundary.DeltaSeconds);
                    test._time.Advance(target > Now ? target - Now : TimeSpan.FromSeconds(1));
                    await AfterAdvanceAsync(boundary.ThenRun);
                    break;
                case CredentialCommand.RunLifecycle:
                    await RunLifecycleAsync();
                    await CheckOverlapsAsync();
                    break;
                case CredentialCommand.List list:
                    await ListAsync(list.Status);
                    break;
                default:
                    Note("  (no key yet: skipped)");
                    break;
            }
        }

        private async Task AfterAdvanceAsync(bool thenRun)
        {
            Note($"  now {Now:O}");
            if (thenRun)
            {
                await RunLifecycleAsync();
            }

            await CheckOverlapsAsync();
        }

        private async Task RunLifecycleAsync()
        {
            await test.RunLifecycleAsync();
            var purgedBefore = _model.Keys.Where(k => k.Purged).ToList();
            _model.RunLifecycle(Now);
            var purged = _model.Keys.Where(k => k.Purged).Except(purgedBefore).ToList();
            stats.Purged += purged.Count;
            stats.RotatedPurgedEarly += purged.Count(k => k.RotatedTo is not null && k.RevokedAt is null && k.IssuedExpiresAt > Now);
            Note(purged.Count == 0 ? "  lifecycle run" : $"  lifecycle run; model deletes {string.Join(", ", purged.Select(k => k.Label))}");
        }

        /// <summary>The end of a sequence: the listing and every secret, against the model.</summary>
        public async Task CheckEverythingAsync()
        {
            Note("final check");
            await ListAsync(null);
            foreach (var key in _model.Keys)
            {
                await ValidateAsync(key);
            }
        }

        private void Note(string line) =>
            _trace.Append(CultureInfo.InvariantCulture, $"  T+{CredentialCommand.Duration((long)(Now - startedAt).TotalSeconds),-9} {line}\n");

        private async Task IssueAsync(int expiresInSeconds)
        {
            var expiresAt = Now.AddSeconds(expiresInSeconds);
            using var response = await SendAsync(HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys", test._app.Admin(),
                new { operatorId = "alice", name = "model key", scopes = new[] { "a" }, expiresAt });
            var body = await ExpectAsync(response, HttpStatusCode.Created, null, "issue");
            Assert.Equal("active", (string?)body["status"]);
            Assert.Equal(expiresAt, Time(body["expiresAt"]));
            var key = _model.Add((string)body["id"]!, (string)body["key"]!, Now, expiresAt);
            Note($"  -> {key} {key.Id}, expires {expiresAt:O}");
        }

        private async Task ValidateAsync(ModelKey key)
        {
            var (status, code) = CredentialModel.Validation(key, Now);
            using var response = await ValidateAsync(key.Secret);
            var body = await ExpectAsync(response, status, code, $"validate {key} (model: {(key.Purged ? "deleted" : key.StateName(Now))}, expires {key.ExpiresAt:O})");
            if (status == HttpStatusCode.OK)
            {
                Assert.Equal(key.Id, (string?)body["credentialId"]);
                Assert.Equal("apiKey", (string?)body["kind"]);
            }

            stats.RevokedRefusals += code == ProblemCodes.CredentialRevoked ? 1 : 0;
            stats.ExpiredRefusals += code == ProblemCodes.CredentialExpired ? 1 : 0;
        }

        private async Task ValidateForgedAsync(ModelKey? typoOf)
        {
            string forged;
            if (typoOf is null)
            {
                forged = new ApiKeyFormat(Options.Create(new ServerlessAuthOptions())).Create(TenantId.FromStorage(tenant));
            }
            else
            {
                // One character of the random part changed: the checksum no longer matches.
                var i = typoOf.Secret.Length - 10;
                forged = typoOf.Secret[..i] + (typoOf.Secret[i] == 'x' ? 'y' : 'x') + typoOf.Secret[(i + 1)..];
            }

            using var response = await ValidateAsync(forged);
            await ExpectAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential, "validate a credential nobody holds");
        }

        private async Task RevokeAsync(ModelKey key)
        {
            var firstRevokedAt = key.RevokedAt;
            var expected = CredentialModel.Revoke(key, Now);
            using var response = await SendAsync(HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{key.Id}", test._app.Admin(), null);
            var body = await ExpectAsync(response, expected, expected == HttpStatusCode.OK ? null : ProblemCodes.NotFound, $"revoke {key}");
            if (expected == HttpStatusCode.OK)
            {
                Assert.Equal("revoked", (string?)body["status"]);
                Assert.True(Time(body["revokedAt"]) == key.RevokedAt, $"revoke {key}: revokedAt {body["revokedAt"]}, model {key.RevokedAt:O} (first revocation {firstRevokedAt:O})");
            }
        }

        private async Task RotateAsync(ModelKey key, int overlapSeconds, int? newExpiresInSeconds)
        {
            var expected = CredentialModel.CanRotate(key, Now);
            DateTimeOffset? newExpiresAt = newExpiresInSeconds is { } e ? Now.AddSeconds(e) : null;
            using var response = await SendAsync(HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys/{key.Id}/rotate", test._app.Admin(),
                new { overlapSeconds, expiresAt = newExpiresAt });
            var code = expected switch
            {
                HttpStatusCode.Conflict => ProblemCodes.Conflict,
                HttpStatusCode.NotFound => ProblemCodes.NotFound,
                _ => null,
            };
            var body = await ExpectAsync(response, expected, code, $"rotate {key} (model: {(key.Purged ? "deleted" : key.StateName(Now))}, rotated to {key.RotatedTo?.Label ?? "none"})");
            if (expected != HttpStatusCode.Created)
            {
                return;
            }

            var next = _model.Rotate(key, (string)body["id"]!, (string)body["key"]!, Now, overlapSeconds, newExpiresAt ?? Now.AddDays(90));
            stats.Rotations++;
            Assert.Equal(key.Id, (string?)body["rotatedFrom"]);
            Assert.Equal(key.ExpiresAt, Time(body["previousKeyExpiresAt"]));
            Assert.Equal(next.ExpiresAt, Time(body["expiresAt"]));
            Note($"  -> {next} {next.Id}; {key.Label} now ends {key.ExpiresAt:O}");
        }

        private async Task ListAsync(string? status)
        {
            var expected = _model.Listing(Now, status);
            var query = status is null ? "" : "&status=" + status;
            using var response = await SendAsync(HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys?pageSize=100{query}", test._app.Admin(), null);
            var body = await ExpectAsync(response, HttpStatusCode.OK, null, "list");
            var actual = body["items"]!.AsArray().ToDictionary(i => (string)i!["id"]!, i => (string)i!["status"]!);
            string Show(Dictionary<string, string> listing) =>
                string.Join(", ", listing.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{_model.Keys.FirstOrDefault(k => k.Id == p.Key)?.Label ?? p.Key}={p.Value}"));
            Assert.True(
                expected.Count == actual.Count && expected.All(p => actual.TryGetValue(p.Key, out var s) && s == p.Value),
                $"list({status ?? "all"}) at T+{(Now - startedAt).TotalSeconds} s: model [{Show(expected)}], host [{Show(actual)}]");
        }

        /// <summary>
        /// The invariant of rotation: while an overlap runs and neither key was revoked, the old secret works, and at
        /// every moment at least one of the two secrets works.
        /// </summary>
        private async Task CheckOverlapsAsync()
        {
            foreach (var old in _model.Keys.Where(k => k.RotatedTo is not null && !k.Purged && k.RevokedAt is null && Now < k.ExpiresAt))
            {
                var next = old.RotatedTo!;
                if (next.RevokedAt is not null)
                {
                    continue;
                }

                stats.OverlapChecks++;
                using var oldAnswer = await ValidateAsync(old.Secret);
                using var newAnswer = await ValidateAsync(next.Secret);
                Assert.True(oldAnswer.StatusCode == HttpStatusCode.OK,
                    $"INVARIANT: the old secret of {old} stopped working inside its overlap (ends {old.ExpiresAt:O}): {(int)oldAnswer.StatusCode} {await oldAnswer.Content.ReadAsStringAsync()}");
                Assert.True(next.StateAt(Now) != KeyState.Active || newAnswer.StatusCode == HttpStatusCode.OK,
                    $"INVARIANT: the new secret {next} does not work during the overlap: {(int)newAnswer.StatusCode} {await newAnswer.Content.ReadAsStringAsync()}");
            }
        }

        private async Task<HttpResponseMessage> ValidateAsync(string secret)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/validate");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            return await test._client.SendAsync(request);
        }

        private static async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpClient client, object? body)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = JsonContent.Create(body);
            }

            return await client.SendAsync(request);
        }

        /// <summary>Asserts status and problem code; names the broken invariant when the host lets a dead key through.</summary>
        private async Task<JsonObject> ExpectAsync(HttpResponseMessage response, HttpStatusCode status, string? code, string what)
        {
            var text = await response.Content.ReadAsStringAsync();
            var body = text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject();
            var actualCode = (string?)body["code"];
            Note($"  -> {(int)response.StatusCode}{(actualCode is null ? "" : " " + actualCode)}");
            if (response.StatusCode == status && actualCode == code)
            {
                return body;
            }

            var invariant = (code, response.StatusCode) switch
            {
                (ProblemCodes.CredentialRevoked, HttpStatusCode.OK) => "INVARIANT: a revoked key validated again. ",
                (ProblemCodes.CredentialExpired, HttpStatusCode.OK) => "INVARIANT: an expired key (or a rotated key past its overlap) validated. ",
                _ => "",
            };
            throw new XunitException($"{invariant}{what} at T+{(Now - startedAt).TotalSeconds} s: model expects {(int)status} {code}, host answered {(int)response.StatusCode} {text}");
        }

        private static DateTimeOffset? Time(JsonNode? node) =>
            node is null ? null : DateTimeOffset.Parse((string)node!, CultureInfo.InvariantCulture);
    }
}
