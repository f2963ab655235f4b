using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Http;
using ServerlessAuth.Security;
using ServerlessAuth.Tests.Infrastructure;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.Tests.Hardening;

/// <summary>
/// One tenant with an owner and a member (each with a key), an app with one secret, an app with two, and a JWT,
/// shared by the adversarial cases (none of which may change any of it). The clock stands still, so that every
/// forged lifetime is exact; the failure throttle is off, so that the 401s of one case never become the 429s of
/// another (the throttle has its own tests).
/// </summary>
public sealed class AdversarialFixture : IAsyncLifetime
{
    public const string Tenant = "adversarial";

    public static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public TestApp App { get; private set; } = null!;

    public string OwnerKey { get; private set; } = null!;

    public string OwnerKeyId { get; private set; } = null!;

    public string MemberKey { get; private set; } = null!;

    /// <summary>An app with exactly one (active) secret.</summary>
    public AppTestData.RegisteredApp Client { get; private set; } = null!;

    /// <summary>An app with two active secrets: the most it may have.</summary>
    public AppTestData.RegisteredApp Rotating { get; private set; } = null!;

    public string Jwt { get; private set; } = null!;

    public TokenForgery Forgery { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await TestApp.StartAsync(new FakeTimeProvider(Now), new Dictionary<string, string?> { ["ServerlessAuth:RateLimiting:FailureLimit"] = "0" });
        await App.CreateTenantAsync(Tenant);
        // Both carry the control-plane scopes of the routes tried below, so that each refusal is owed to the role or the
        // target, never to a missing scope.
        string[] owners = ["records:read", "records:write", .. ControlPlaneScopes.All];
        string[] members = ["records:read", ControlPlaneScopes.Keys, ControlPlaneScopes.Apps, ControlPlaneScopes.Logs];
        await App.PutOperatorAsync(Tenant, "olivia", "owner", owners);
        await App.PutOperatorAsync(Tenant, "milo", "member", members);
        var owner = await App.IssueKeyAsync(Tenant, "olivia", owners);
        OwnerKey = (string)owner["key"]!;
        OwnerKeyId = (string)owner["id"]!;
        MemberKey = (string)(await App.IssueKeyAsync(Tenant, "milo", members))["key"]!;

        Client = await AppTestData.RegisterInAsync(App, Tenant, ["records:read"]);
        Rotating = await AppTestData.RegisterInAsync(App, Tenant, ["records:read"]);
        await TestApp.SendOkAsync(App.Admin(), HttpMethod.Post, $"/api/v1/tenants/{Tenant}/apps/{Rotating.AppId}/secrets");
        Jwt = await AppTestData.TokenAsync(App, Client);

        // The key that signed Jwt, as the service holds it: forgeries signed with it fail only on what they carry.
        var signer = await App.Get<SigningKeyRing>().GetSignerAsync(CancellationToken.None);
        Assert.Equal(signer.Kid, (string?)AppTestData.Header(Jwt)["kid"]);
        Forgery = new TokenForgery(signer.SecurityKey.ECDsa, signer.Kid, Jwt);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>
/// Hostile requests, part 2: the token endpoint (JSON and RFC 6749 form), introspection and revocation, apps and
/// their secrets, key rotation, logs, admin routes with an operator's key, and JWT tricks on validate, introspect and
/// revoke. Each answers its exact status and code (problem+json <c>code</c>; RFC 6749 <c>error</c>; for
/// introspection of anything not active, 200 <c>{"active": false}</c> and nothing else) and changes nothing in
/// storage. BadInputTests covers validate, tenants, operators and keys.
/// </summary>
public sealed class AdversarialRequestTests(AdversarialFixture fixture) : IClassFixture<AdversarialFixture>
{
    private const string T = AdversarialFixture.Tenant;
    private const string Admin = TestApp.AdminKey;
    private const string JsonType = "application/json";
    private const string FormType = "application/x-www-form-urlencoded";
    private const string Token = "/api/v1/token";
    private const string Introspect = "/api/v1/introspect";
    private const string Revoke = "/api/v1/revoke";
    private const string Apps = "/api/v1/tenants/" + T + "/apps";
    private const string Keys = "/api/v1/tenants/" + T + "/keys";
    private const string Logs = "/api/v1/tenants/" + T + "/logs";

    /// <summary>What a hostile request must get back.</summary>
    public sealed record Expected(int Status, string Family, string? Code, string? Field = null, bool BasicChallenge = false)
    {
        /// <summary>RFC 9457 problem with a stable code (validate, control plane).</summary>
        public static Expected Problem(int status, string code, string? field = null) => new(status, "problem", code, field);

        /// <summary>RFC 6749 §5.2 error (token, introspection and revocation endpoints).</summary>
        public static Expected OAuth(int status, string error, bool basicChallenge = false) => new(status, "oauth", error, BasicChallenge: basicChallenge);

        /// <summary>200 <c>{"active": false}</c> and nothing more.</summary>
        public static Expected Inactive { get; } = new(200, "inactive", null);

        /// <summary>200 active (introspection that must not be thrown off by a junk hint).</summary>
        public static Expected Active { get; } = new(200, "active", null);

        /// <summary>RFC 7009: 200 with an empty body, whatever the token was.</summary>
        public static Expected Revoked200 { get; } = new(200, "empty", null);
    }

    private static readonly Dictionary<string, (Func<AdversarialFixture, HttpRequestMessage> Request, Expected Expected)> Attacks = new()
    {
        // Token endpoint, RFC 6749 form.
        ["token: form without grant_type"] = (f => Form(Token, Q(("client_id", f.Client.AppId), ("client_secret", f.Client.Secret))), Expected.OAuth(400, "invalid_request")),
        ["token: grant_type twice, different values"] = (f => Form(Token, Q(("grant_type", "client_credentials"), ("grant_type", "password"), ("client_id", f.Client.AppId), ("client_secret", f.Client.Secret))), Expected.OAuth(400, "invalid_request")),
        ["token: client_id twice"] = (f => Form(Token, Q(("grant_type", "client_credentials"), ("client_id", f.Client.AppId), ("client_id", f.Rotating.AppId), ("client_secret", f.Client.Secret))), Expected.OAuth(400, "invalid_request")),
        ["token: grant authorization_code"] = (f => Form(Token, Q(("grant_type", "authorization_code"), ("code", "abc"), ("client_id", f.Client.AppId), ("client_secret", f.Client.Secret))), Expected.OAuth(400, "unsupported_grant_type")),
        ["token: grant jwt-bearer with our own JWT"] = (f => Form(Token, Q(("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", f.Jwt))), Expected.OAuth(400, "unsupported_grant_type")),
        ["token: grant refresh_token with the JWT"] = (f => Form(Token, Q(("grant_type", "refresh_token"), ("refresh_token", f.Jwt), ("client_id", f.Client.AppId), ("client_secret", f.Client.Secret))), Expected.OAuth(400, "unsupported_grant_type")),
        ["token: Basic and body client_id differ"] = (f => Form(Token, Q(("grant_type", "client_credentials"), ("client_id", f.Rotating.AppId)), Basic(f.Client.AppId, f.Client.Secret)), Expected.OAuth(400, "invalid_request")),
        ["token: Basic not base64"] = (f => Form(Token, Q(("grant_type", "client_credentials")), "Basic %%%not-base64%%%"), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["token: Basic without colon"] = (f => Form(Token, Q(("grant_type", "client_credentials")), "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(f.Client.AppId))), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["token: Bearer instead of client authentication"] = (f => Form(Token, Q(("grant_type", "client_credentials")), "Bearer " + f.Jwt), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["token: secret of another app of the tenant (body)"] = (f => Form(Token, Q(("grant_type", "client_credentials"), ("client_id", f.Client.AppId), ("client_secret", f.Rotating.Secret))), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["token: secret of another app (JSON)"] = (f => Send("POST", Token, null, $$"""{"appId":"{{f.Client.AppId}}","appSecret":"{{f.Rotating.Secret}}"}"""), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["token: unknown client_id"] = (f => Form(Token, Q(("grant_type", "client_credentials")), Basic(Guid.NewGuid().ToString(), f.Client.Secret)), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["token: client_id injection"] = (f => Form(Token, Q(("grant_type", "client_credentials"), ("client_id", "' or ''='"), ("client_secret", f.Client.Secret))), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["token: secret of 63 bytes"] = (f => Form(Token, Q(("grant_type", "client_credentials")), Basic(f.Client.AppId, Convert.ToBase64String(Convert.FromBase64String(f.Client.Secret)[..63]))), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["token: secret with one character changed"] = (f => Form(Token, Q(("grant_type", "client_credentials")), Basic(f.Client.AppId, Flip(f.Client.Secret, 10))), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["token: Basic with an empty secret"] = (f => Form(Token, Q(("grant_type", "client_credentials")), "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(f.Client.AppId + ":"))), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["token: Basic with an empty client id"] = (f => Form(Token, Q(("grant_type", "client_credentials")), "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(":" + f.Client.Secret))), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["token: client_id without a secret"] = (f => Form(Token, Q(("grant_type", "client_credentials"), ("client_id", f.Client.AppId))), Expected.OAuth(400, "invalid_request")),
        ["token: no client authentication at all"] = (f => Form(Token, Q(("grant_type", "client_credentials"))), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["token: oversize form"] = (f => Form(Token, Q(("grant_type", "client_credentials"), ("scope", new string('a', 17_000))), Basic(f.Client.AppId, f.Client.Secret)), Expected.OAuth(413, "invalid_request")),
        ["token: oversize form, chunked (no Content-Length)"] = (f => Chunked(Token, Q(("grant_type", "client_credentials"), ("scope", new string('a', 17_000))), Basic(f.Client.AppId, f.Client.Secret)), Expected.OAuth(413, "invalid_request")),
        ["token: Basic header past the credential header limit"] = (f => Form(Token, Q(("grant_type", "client_credentials")), Basic(f.Client.AppId, f.Client.Secret + new string('A', 5000))), Expected.OAuth(431, "invalid_request")),
        ["token: multipart body"] = (f => Raw("POST", Token, "grant_type=client_credentials", "multipart/form-data; boundary=x", Basic(f.Client.AppId, f.Client.Secret)), Expected.OAuth(415, "invalid_request")),
        ["token: form in latin-1"] = (f => Raw("POST", Token, "grant_type=client_credentials", FormType + "; charset=iso-8859-1", Basic(f.Client.AppId, f.Client.Secret)), Expected.OAuth(415, "invalid_request")),
        ["token: scope with a quote"] = (f => Form(Token, Q(("grant_type", "client_credentials"), ("scope", "records:read\"")), Basic(f.Client.AppId, f.Client.Secret)), Expected.OAuth(400, "invalid_scope")),
        ["token: scope the operator has but the app not"] = (f => Form(Token, Q(("grant_type", "client_credentials"), ("scope", "records:read records:write")), Basic(f.Client.AppId, f.Client.Secret)), Expected.OAuth(400, "invalid_scope")),
        ["token: client_secret in the URL"] = (f => Form(Token + "?client_secret=" + Uri.EscapeDataString(f.Client.Secret), Q(("grant_type", "client_credentials"), ("client_id", f.Client.AppId))), Expected.OAuth(400, "invalid_request")),

        // Token endpoint, Kinabase JSON.
        ["token: JSON with an unknown field"] = (f => Send("POST", Token, null, $$"""{"appId":"{{f.Client.AppId}}","appSecret":"{{f.Client.Secret}}","scope":"admin"}"""), Expected.OAuth(400, "invalid_request")),
        ["token: JSON with appSecret twice"] = (f => Send("POST", Token, null, $$"""{"appId":"{{f.Client.AppId}}","appSecret":"{{f.Rotating.Secret}}","appSecret":"{{f.Client.Secret}}"}"""), Expected.OAuth(400, "invalid_request")),
        ["token: JSON array"] = (f => Send("POST", Token, null, "[]"), Expected.OAuth(400, "invalid_request")),
        ["token: JSON with numbers for strings"] = (f => Send("POST", Token, null, """{"appId":1,"appSecret":2}"""), Expected.OAuth(400, "invalid_request")),

        // Introspection (RFC 7662).
        ["introspect: no client authentication"] = (f => Form(Introspect, Q(("token", f.Jwt))), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["introspect: secret of another app"] = (f => Form(Introspect, Q(("token", f.Jwt)), Basic(f.Client.AppId, f.Rotating.Secret)), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["introspect: a Bearer JWT as client authentication"] = (f => Form(Introspect, Q(("token", f.Jwt)), "Bearer " + f.Jwt), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["introspect: no token"] = (f => Form(Introspect, Q(("token_type_hint", "access_token")), Basic(f.Client.AppId, f.Client.Secret)), Expected.OAuth(400, "invalid_request")),
        ["introspect: empty token"] = (f => Form(Introspect, Q(("token", "")), Basic(f.Client.AppId, f.Client.Secret)), Expected.OAuth(400, "invalid_request")),
        ["introspect: token twice"] = (f => Form(Introspect, Q(("token", "junk"), ("token", f.Jwt)), Basic(f.Client.AppId, f.Client.Secret)), Expected.OAuth(400, "invalid_request")),
        ["introspect: junk hint, junk token"] = (f => Form(Introspect, Q(("token", "junk"), ("token_type_hint", "<script>")), Basic(f.Client.AppId, f.Client.Secret)), Expected.Inactive),
        ["introspect: junk hint does not hide a good token"] = (f => Form(Introspect, Q(("token", f.Jwt), ("token_type_hint", "refresh_token\u0000")), Basic(f.Client.AppId, f.Client.Secret)), Expected.Active),
        ["introspect: bad-checksum key"] = (f => Form(Introspect, Q(("token", Flip(f.OwnerKey, f.OwnerKey.Length - 1))), Basic(f.Client.AppId, f.Client.Secret)), Expected.Inactive),
        ["introspect: token past the header limit"] = (f => Form(Introspect, Q(("token", new string('a', 5000))), Basic(f.Client.AppId, f.Client.Secret)), Expected.Inactive),
        ["introspect: oversize form"] = (f => Form(Introspect, Q(("token", new string('a', 17_000))), Basic(f.Client.AppId, f.Client.Secret)), Expected.OAuth(413, "invalid_request")),
        ["introspect: oversize form, chunked (no Content-Length)"] = (f => Chunked(Introspect, Q(("token", new string('a', 17_000))), Basic(f.Client.AppId, f.Client.Secret)), Expected.OAuth(413, "invalid_request")),
        ["introspect: Basic header past the credential header limit"] = (f => Form(Introspect, Q(("token", f.Jwt)), Basic(new string('a', 4000), f.Client.Secret)), Expected.OAuth(431, "invalid_request")),
        ["introspect: JSON body"] = (f => Raw("POST", Introspect, $$"""{"token":"{{f.Jwt}}"}""", JsonType, Basic(f.Client.AppId, f.Client.Secret)), Expected.OAuth(415, "invalid_request")),
        ["introspect: token in the URL"] = (f => Form(Introspect + "?token=" + f.Jwt, "", Basic(f.Client.AppId, f.Client.Secret)), Expected.OAuth(400, "invalid_request")),

        // Revocation (RFC 7009). None of these may revoke anything.
        ["revoke: no token"] = (f => Form(Revoke, Q(("token_type_hint", "access_token"))), Expected.OAuth(400, "invalid_request")),
        ["revoke: owner key with the secret of another app"] = (f => Form(Revoke, Q(("token", f.OwnerKey)), Basic(f.Client.AppId, f.Rotating.Secret)), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["revoke: JWT with a malformed Basic header"] = (f => Form(Revoke, Q(("token", f.Jwt)), "Basic !!!"), Expected.OAuth(401, "invalid_client", basicChallenge: true)),
        ["revoke: token twice"] = (f => Form(Revoke, Q(("token", "junk"), ("token", f.OwnerKey))), Expected.OAuth(400, "invalid_request")),
        ["revoke: junk hint, unknown token"] = (f => Form(Revoke, Q(("token", "not-a-token"), ("token_type_hint", "'; drop table"))), Expected.Revoked200),
        ["revoke: bad-checksum key"] = (f => Form(Revoke, Q(("token", Flip(f.OwnerKey, f.OwnerKey.Length - 1)))), Expected.Revoked200),
        ["revoke: owner key with its tenant part changed"] = (f => Form(Revoke, Q(("token", f.OwnerKey.Replace("_" + T + "_", "_adversariak_", StringComparison.Ordinal)))), Expected.Revoked200),
        ["revoke: oversize form"] = (f => Form(Revoke, Q(("token", f.OwnerKey), ("pad", new string('a', 17_000)))), Expected.OAuth(413, "invalid_request")),
        ["revoke: JSON body"] = (f => Raw("POST", Revoke, $$"""{"token":"{{f.OwnerKey}}"}""", JsonType, null), Expected.OAuth(415, "invalid_request")),
        ["revoke: token in the URL"] = (f => Form(Revoke + "?token=" + f.OwnerKey, ""), Expected.OAuth(400, "invalid_request")),

        // Apps and their secrets.
        ["apps: unknown field"] = (f => Send("POST", Apps, Admin, """{"name":"n","description":"d","scopes":[],"isAdmin":true}"""), Expected.Problem(400, ProblemCodes.InvalidRequest, null)),
        ["apps: name of 101 characters"] = (f => Send("POST", Apps, Admin, $$"""{"name":"{{new string('n', 101)}}","description":"d","scopes":[]}"""), Expected.Problem(400, ProblemCodes.InvalidRequest, "name")),
        ["apps: description of 501 characters"] = (f => Send("POST", Apps, Admin, $$"""{"name":"n","description":"{{new string('d', 501)}}","scopes":[]}"""), Expected.Problem(400, ProblemCodes.InvalidRequest, "description")),
        ["apps: description with a control character"] = (f => Send("POST", Apps, Admin, """{"name":"n","description":"a\u0007b","scopes":[]}"""), Expected.Problem(400, ProblemCodes.InvalidRequest, "description")),
        ["apps: scopes as a string"] = (f => Send("POST", Apps, Admin, """{"name":"n","description":"d","scopes":"records:read"}"""), Expected.Problem(400, ProblemCodes.InvalidRequest, "scopes")),
        ["apps: first secret expiring in the past"] = (f => Send("POST", Apps, Admin, """{"name":"n","description":"d","scopes":[],"secretExpiresAt":"2001-01-01T00:00:00Z"}"""), Expected.Problem(400, ProblemCodes.InvalidRequest, "secretExpiresAt")),
        ["apps: member registers an app"] = (f => Send("POST", Apps, f.MemberKey, """{"name":"n","description":"d","scopes":[]}"""), Expected.Problem(403, ProblemCodes.InsufficientScope)),
        ["apps: member lists apps"] = (f => Send("GET", Apps, f.MemberKey), Expected.Problem(403, ProblemCodes.InsufficientScope)),
        ["apps: member reads an app"] = (f => Send("GET", $"{Apps}/{f.Client.AppId}", f.MemberKey), Expected.Problem(404, ProblemCodes.NotFound)),
        ["apps: id not a UUID"] = (f => Send("GET", Apps + "/not-a-uuid", Admin), Expected.Problem(400, ProblemCodes.InvalidRequest, "appId")),
        ["apps: id with a quote"] = (f => Send("DELETE", Apps + "/" + Uri.EscapeDataString("00000000-0000-0000-0000-00000000000'"), Admin), Expected.Problem(400, ProblemCodes.InvalidRequest, "appId")),
        ["apps: revoke an unknown app"] = (f => Send("DELETE", $"{Apps}/{Guid.NewGuid()}", Admin), Expected.Problem(404, ProblemCodes.NotFound)),
        ["secrets: id malformed"] = (f => Send("DELETE", $"{Apps}/{f.Client.AppId}/secrets/sec_bad'", Admin), Expected.Problem(400, ProblemCodes.InvalidRequest, "secretId")),
        ["secrets: unknown id"] = (f => Send("DELETE", $"{Apps}/{f.Client.AppId}/secrets/sec_000000000000", Admin), Expected.Problem(404, ProblemCodes.NotFound)),
        ["secrets: another app's secret id"] = (f => Send("DELETE", $"{Apps}/{f.Client.AppId}/secrets/{f.Rotating.SecretId}", Admin), Expected.Problem(404, ProblemCodes.NotFound)),
        ["secrets: delete the last active secret"] = (f => Send("DELETE", $"{Apps}/{f.Client.AppId}/secrets/{f.Client.SecretId}", Admin), Expected.Problem(409, ProblemCodes.Conflict)),
        ["secrets: a third active secret"] = (f => Send("POST", $"{Apps}/{f.Rotating.AppId}/secrets", Admin), Expected.Problem(409, ProblemCodes.Conflict)),
        ["secrets: unknown field"] = (f => Send("POST", $"{Apps}/{f.Client.AppId}/secrets", Admin, """{"expires":"2030-02-01T00:00:00Z"}"""), Expected.Problem(400, ProblemCodes.InvalidRequest, null)),
        ["secrets: expiring in the past"] = (f => Send("POST", $"{Apps}/{f.Client.AppId}/secrets", Admin, """{"expiresAt":"2001-01-01T00:00:00Z"}"""), Expected.Problem(400, ProblemCodes.InvalidRequest, "expiresAt")),
        ["secrets: beyond the tenant's max lifetime"] = (f => Send("POST", $"{Apps}/{f.Client.AppId}/secrets", Admin, """{"expiresAt":"2999-01-01T00:00:00Z"}"""), Expected.Problem(400, ProblemCodes.InvalidRequest, "expiresAt")),
        ["secrets: add to an unknown app"] = (f => Send("POST", $"{Apps}/{Guid.NewGuid()}/secrets", Admin), Expected.Problem(404, ProblemCodes.NotFound)),

        // Key rotation.
        ["rotate: overlapSeconds negative"] = (f => Send("POST", $"{Keys}/{f.OwnerKeyId}/rotate", Admin, """{"overlapSeconds":-1}"""), Expected.Problem(400, ProblemCodes.InvalidRequest, "overlapSeconds")),
        ["rotate: overlapSeconds above 604800"] = (f => Send("POST", $"{Keys}/{f.OwnerKeyId}/rotate", Admin, """{"overlapSeconds":604801}"""), Expected.Problem(400, ProblemCodes.InvalidRequest, "overlapSeconds")),
        ["rotate: overlapSeconds as a string"] = (f => Send("POST", $"{Keys}/{f.OwnerKeyId}/rotate", Admin, """{"overlapSeconds":"60"}"""), Expected.Problem(400, ProblemCodes.InvalidRequest, "overlapSeconds")),
        ["rotate: overlapSeconds fractional"] = (f => Send("POST", $"{Keys}/{f.OwnerKeyId}/rotate", Admin, """{"overlapSeconds":1.5}"""), Expected.Problem(400, ProblemCodes.InvalidRequest, "overlapSeconds")),
        ["rotate: overlapSeconds beyond int"] = (f => Send("POST", $"{Keys}/{f.OwnerKeyId}/rotate", Admin, """{"overlapSeconds":99999999999999999999}"""), Expected.Problem(400, ProblemCodes.InvalidRequest, "overlapSeconds")),
        ["rotate: unknown field"] = (f => Send("POST", $"{Keys}/{f.OwnerKeyId}/rotate", Admin, """{"overlap":60}"""), Expected.Problem(400, ProblemCodes.InvalidRequest, null)),
        ["rotate: text body"] = (f => Raw("POST", $"{Keys}/{f.OwnerKeyId}/rotate", "overlapSeconds=60", "text/plain", "Bearer " + Admin), Expected.Problem(415, ProblemCodes.InvalidRequest, "Content-Type")),
        ["rotate: unknown key"] = (f => Send("POST", $"{Keys}/key_00000000000000000000/rotate", Admin), Expected.Problem(404, ProblemCodes.NotFound)),
        ["rotate: member rotates the owner's key"] = (f => Send("POST", $"{Keys}/{f.OwnerKeyId}/rotate", f.MemberKey), Expected.Problem(404, ProblemCodes.NotFound)),

        // Logs.
        ["logs: from not a time"] = (f => Send("GET", Logs + "?from=yesterday", Admin), Expected.Problem(400, ProblemCodes.InvalidRequest, "from")),
        ["logs: to out of range"] = (f => Send("GET", Logs + "?to=2030-13-45T00:00:00Z", Admin), Expected.Problem(400, ProblemCodes.InvalidRequest, "to")),
        ["logs: from twice"] = (f => Send("GET", Logs + "?from=2030-01-01&from=2029-01-01", Admin), Expected.Problem(400, ProblemCodes.InvalidRequest, "from")),
        ["logs: type with a quote"] = (f => Send("GET", Logs + "?type=" + Uri.EscapeDataString("key.revoked' or '1'='1"), Admin), Expected.Problem(400, ProblemCodes.InvalidRequest, "type")),
        ["logs: type too long"] = (f => Send("GET", Logs + "?type=" + new string('a', 41), Admin), Expected.Problem(400, ProblemCodes.InvalidRequest, "type")),
        ["logs: credentialId with a quote"] = (f => Send("GET", Logs + "?credentialId=" + Uri.EscapeDataString("key_1' or ''='"), Admin), Expected.Problem(400, ProblemCodes.InvalidRequest, "credentialId")),
        ["logs: page size negative"] = (f => Send("GET", Logs + "?pageSize=-1", Admin), Expected.Problem(400, ProblemCodes.InvalidRequest, "pageSize")),
        ["logs: page size 1000"] = (f => Send("GET", Logs + "?pageSize=1000", Admin), Expected.Problem(400, ProblemCodes.InvalidRequest, "pageSize")),
        ["logs: forged continuation token"] = (f => Send("GET", Logs + "?continuationToken=" + Uri.EscapeDataString("audit|0' or PartitionKey ne '"), Admin), Expected.Problem(400, ProblemCodes.InvalidRequest, "continuationToken")),
        ["logs: member reads the log"] = (f => Send("GET", Logs, f.MemberKey), Expected.Problem(403, ProblemCodes.InsufficientScope)),

        // Admin routes with an operator's key (or worse).
        ["admin: owner runs the lifecycle job"] = (f => Send("POST", "/api/v1/admin/lifecycle/run", f.OwnerKey), Expected.Problem(403, ProblemCodes.InsufficientScope)),
        ["admin: owner rotates the signing keys"] = (f => Send("POST", "/api/v1/admin/signing-keys/rotate", f.OwnerKey), Expected.Problem(403, ProblemCodes.InsufficientScope)),
        ["admin: member creates a tenant"] = (f => Send("POST", "/api/v1/tenants", f.MemberKey, """{"id":"sneaky","name":"Sneaky"}"""), Expected.Problem(403, ProblemCodes.InsufficientScope)),
        ["admin: app JWT runs the lifecycle job"] = (f => Send("POST", "/api/v1/admin/lifecycle/run", f.Jwt), Expected.Problem(403, ProblemCodes.InsufficientScope)),
        ["admin: lifecycle without a credential"] = (f => Send("POST", "/api/v1/admin/lifecycle/run", null), Expected.Problem(401, ProblemCodes.MissingCredential)),
        ["admin: lifecycle with the admin key mistyped"] = (f => Send("POST", "/api/v1/admin/lifecycle/run", Flip(Admin, 12)), Expected.Problem(401, ProblemCodes.InvalidCredential)),
        ["admin: signing keys with the admin key in x-api-key and Bearer"] = (f => Both("POST", "/api/v1/admin/signing-keys/rotate", Admin), Expected.Problem(400, ProblemCodes.InvalidRequest)),
        ["admin: owner raises its own rate limit"] = (f => Send("PATCH", "/api/v1/tenants/" + T, f.OwnerKey, """{"rateLimitPerHour":1000000}"""), Expected.Problem(403, ProblemCodes.InsufficientScope, "rateLimitPerHour")),
        ["admin: owner switches the API on"] = (f => Send("PATCH", "/api/v1/tenants/" + T, f.OwnerKey, """{"apiEnabled":true}"""), Expected.Problem(403, ProblemCodes.InsufficientScope, "apiEnabled")),
    };

    public static TheoryData<string> AttackNames
    {
        get
        {
            var names = new TheoryData<string>();
            foreach (var name in Attacks.Keys)
            {
                names.Add(name);
            }

            return names;
        }
    }

    // Declared before the tables that use them: static fields are initialised in textual order.
    private static readonly Expected Rejected = Expected.Problem(401, ProblemCodes.InvalidCredential);

    private static readonly ECDsa Attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private static readonly string AttackerCertificate = Convert.ToBase64String(
        new CertificateRequest("CN=ServerlessAuth", Attacker, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10)).RawData);

    /// <summary>A forged or malformed token and what validate must answer; introspect answers inactive, revoke 200, to all.</summary>
    private static readonly Dictionary<string, (Func<TokenForgery, string> Token, Expected Validate)> JwtTricks = new()
    {
        ["alg none, no signature"] = (f => Header(f, h => h["alg"] = "none") + "." + Segment(f.Genuine, 1) + ".", Rejected),
        ["alg none, signature kept"] = (f => Header(f, h => h["alg"] = "none") + "." + Segment(f.Genuine, 1) + "." + Segment(f.Genuine, 2), Rejected),
        ["alg HS256 keyed with our public key"] = (f => TokenForgery.SignHmac(Encoding.ASCII.GetBytes(f.PublicKeyPem), Json(f.Header(), h => h["alg"] = "HS256"), f.Claims().ToJsonString()), Rejected),
        ["alg RS256 signed by an RSA key"] = (f => TokenForgery.SignWith(RSA.Create(2048), Json(f.Header(), h => h["alg"] = "RS256"), f.Claims().ToJsonString()), Rejected),
        ["ES256 by a foreign key under its own kid"] = (f => TokenForgery.SignWith(Attacker, Json(f.Header(), h => h["kid"] = "attacker-1"), TokenForgery.Encode(f.Claims().ToJsonString())), Rejected),
        ["our key, kid unknown"] = (f => f.Sign(Edit(f.Header(), h => h["kid"] = "20300101-unknown0001"), f.Claims()), Rejected),
        ["our key, kid missing"] = (f => f.Sign(Edit(f.Header(), h => h.Remove("kid")), f.Claims()), Rejected),
        ["our key, kid injection"] = (f => f.Sign(Edit(f.Header(), h => h["kid"] = "' or ''='"), f.Claims()), Rejected),
        ["our key, typ JWT"] = (f => f.Sign(Edit(f.Header(), h => h["typ"] = "JWT"), f.Claims()), Rejected),
        ["our key, typ missing"] = (f => f.Sign(Edit(f.Header(), h => h.Remove("typ")), f.Claims()), Rejected),
        ["our key, alg lowercase"] = (f => f.Sign(Edit(f.Header(), h => h["alg"] = "es256"), f.Claims()), Rejected),
        ["our key, jku header"] = (f => f.Sign(Edit(f.Header(), h => h["jku"] = "https://attacker.example/jwks.json"), f.Claims()), Rejected),
        ["our key, x5u header"] = (f => f.Sign(Edit(f.Header(), h => h["x5u"] = "https://attacker.example/cert.pem"), f.Claims()), Rejected),
        ["embedded jwk of the attacker's key"] = (f => TokenForgery.SignWith(Attacker, Json(f.Header(), h => h["jwk"] = TokenForgery.PublicJwk(Attacker)), TokenForgery.Encode(f.Claims().ToJsonString())), Rejected),
        ["x5c of the attacker's self-signed certificate"] = (f => TokenForgery.SignWith(Attacker, Json(f.Header(), h => h["x5c"] = new JsonArray(AttackerCertificate)), TokenForgery.Encode(f.Claims().ToJsonString())), Rejected),
        ["our key, cty JWT (nested token)"] = (f => f.Sign(Edit(f.Header(), h => h["cty"] = "JWT"), f.Claims()), Rejected),
        ["our key, zip DEF"] = (f => f.SignEncoded(Json(f.Header(), h => h["zip"] = "DEF"), TokenForgery.Encode(Deflate(f.Claims().ToJsonString()))), Rejected),
        ["our key, crit exp"] = (f => f.Sign(Edit(f.Header(), h => h["crit"] = new JsonArray("exp")), f.Claims()), Rejected),
        ["our key, detached payload"] = (f => f.SignEncoded(Json(f.Header(), h => { h["b64"] = false; h["crit"] = new JsonArray("b64"); }), ""), Rejected),
        ["our key, alg twice (ES256 then none)"] = (f => f.SignRaw($$"""{"alg":"ES256","typ":"at+jwt","kid":"{{f.Kid}}","alg":"none"}""", f.Claims().ToJsonString()), Rejected),
        ["our key, header nested 100 deep"] = (f => f.SignRaw($$"""{"alg":"ES256","typ":"at+jwt","kid":"{{f.Kid}}","x":{{new string('[', 100)}}{{new string(']', 100)}}}""", f.Claims().ToJsonString()), Rejected),
        ["JWE compact, five segments"] = (f => Header(f, h => { h["alg"] = "RSA-OAEP"; h["enc"] = "A256GCM"; }) + ".a2V5.aXY." + Segment(f.Genuine, 1) + ".dGFn", Rejected),
        ["JSON serialization (flattened)"] = (f => $$"""{"protected":"{{Segment(f.Genuine, 0)}}","payload":"{{Segment(f.Genuine, 1)}}","signature":"{{Segment(f.Genuine, 2)}}"}""", Expected.Problem(400, ProblemCodes.InvalidRequest, "Authorization")),
        ["payload changed, signature kept"] = (f => AppTestData.Forge(f.Genuine, payload: p => p["scope"] = "records:read records:write"), Rejected),
        ["signature of another genuine token"] = (f => Segment(f.Genuine, 0) + "." + Segment(f.Genuine, 1) + "." + Segment(f.Sign(f.Header(), f.Claims()), 2), Rejected),
        ["our key, expired"] = (f => f.Sign(f.Header(), Lifetime(f.Claims(), TimeSpan.FromMinutes(-62), TimeSpan.FromMinutes(-2))), Expected.Problem(401, ProblemCodes.CredentialExpired)),
        ["our key, not yet valid"] = (f => f.Sign(f.Header(), Lifetime(f.Claims(), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(65))), Rejected),
        ["our key, exp missing"] = (f => f.Sign(f.Header(), Edit(f.Claims(), c => c.Remove("exp"))), Rejected),
        ["our key, wrong iss"] = (f => f.Sign(f.Header(), Edit(f.Claims(), c => c["iss"] = "https://attacker.example")), Rejected),
        ["our key, iss with a trailing slash"] = (f => f.Sign(f.Header(), Edit(f.Claims(), c => c["iss"] = (string)c["iss"]! + "/")), Rejected),
        ["our key, wrong aud"] = (f => f.Sign(f.Header(), Edit(f.Claims(), c => c["aud"] = "https://other-api.example")), Rejected),
        ["our key, aud array with ours and another"] = (f => f.Sign(f.Header(), Edit(f.Claims(), c => c["aud"] = new JsonArray((string)c["aud"]!, "https://other-api.example"))), Rejected),
        ["our key, aud twice (ours, then another)"] = (f => f.SignRaw(f.Header().ToJsonString(), f.Claims().ToJsonString()[..^1] + ",\"aud\":\"https://other-api.example\"}"), Rejected),
        ["our key, sub differs from client_id"] = (f => f.Sign(f.Header(), Edit(f.Claims(), c => c["sub"] = Guid.NewGuid().ToString())), Rejected),
        ["our key, huge token"] = (f => f.Sign(f.Header(), Edit(f.Claims(), c => c["pad"] = new string('p', 5000))), Expected.Problem(431, ProblemCodes.InvalidRequest, "Authorization")),
        ["standard base64 characters"] = (f => Segment(f.Genuine, 0) + "." + Segment(f.Genuine, 1) + "+/." + Segment(f.Genuine, 2), Rejected),
        ["a character outside base64url and b64token"] = (f => Segment(f.Genuine, 0) + "." + Segment(f.Genuine, 1) + "!." + Segment(f.Genuine, 2), Expected.Problem(400, ProblemCodes.InvalidRequest, "Authorization")),
        ["padding on the signature"] = (f => f.Genuine + "==", Rejected),
        ["trailing dot"] = (f => f.Genuine + ".", Rejected),
        ["empty segments"] = (f => "..", Rejected),
    };

    public static TheoryData<string> JwtTrickNames
    {
        get
        {
            var names = new TheoryData<string>();
            foreach (var name in JwtTricks.Keys)
            {
                names.Add(name);
            }

            return names;
        }
    }

    [Theory]
    [MemberData(nameof(AttackNames))]
    public async Task HostileRequest_AnswersItsExactErrorAndChangesNothing(string name)
    {
        var (build, expected) = Attacks[name];
        await AssertAnswerAsync(name, build(fixture), expected);
    }

    [Theory]
    [MemberData(nameof(JwtTrickNames))]
    public async Task Validate_JwtTrickIsRefusedAndChangesNothing(string name)
    {
        var (forge, expected) = JwtTricks[name];
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/validate");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + forge(fixture.Forgery));
        await AssertAnswerAsync(name, request, expected);
    }

    [Theory]
    [MemberData(nameof(JwtTrickNames))]
    public async Task Introspect_JwtTrickIsInactiveAndNothingMore(string name)
    {
        var token = JwtTricks[name].Token(fixture.Forgery);
        await AssertAnswerAsync(name, Form(Introspect, Q(("token", token)), Basic(fixture.Client.AppId, fixture.Client.Secret)), Expected.Inactive);
    }

    [Theory]
    [MemberData(nameof(JwtTrickNames))]
    public async Task Revoke_JwtTrickAnswers200AndRevokesNothing(string name)
    {
        var token = JwtTricks[name].Token(fixture.Forgery);
        await AssertAnswerAsync(name, Form(Revoke, Q(("token", token))), Expected.Revoked200);
    }

    [Fact]
    public async Task Forgery_SignedWithOurKeyAndNothingWrongIsAccepted()
    {
        // The control for every "our key" trick above: the forger makes tokens the service accepts, so each refusal is
        // owed to the one thing that trick changed.
        var token = fixture.Forgery.Sign(fixture.Forgery.Header(), fixture.Forgery.Claims());

        using var validated = await AppTestData.ValidateAsync(fixture.App, token, "records:read");
        Assert.Equal(HttpStatusCode.OK, validated.StatusCode);

        using var introspected = await fixture.App.CreateClient().SendAsync(Form(Introspect, Q(("token", token)), Basic(fixture.Client.AppId, fixture.Client.Secret)));
        Assert.True((bool)JsonNode.Parse(await introspected.Content.ReadAsStringAsync())!["active"]!);
    }

    private async Task AssertAnswerAsync(string name, HttpRequestMessage request, Expected expected)
    {
        var before = await fixture.App.SnapshotAsync();
        using (request)
        {
            using var response = await fixture.App.CreateClient().SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(expected.Status == (int)response.StatusCode, $"{name}: expected {expected.Status} {expected.Code}, got {(int)response.StatusCode}: {text}");
            Assert.True(response.Headers.CacheControl?.NoStore, $"{name}: no Cache-Control: no-store");
            switch (expected.Family)
            {
                case "problem":
                    var problem = await Problem.AssertAsync(response, (HttpStatusCode)expected.Status, expected.Code!);
                    Assert.True(expected.Field == (string?)problem["field"], $"{name}: field {(string?)problem["field"]}, expected {expected.Field}");
                    if (expected.Status is 401 or 403)
                    {
                        Assert.StartsWith("Bearer realm=\"serverlessauth\"", Problem.Challenge(response));
                    }

                    break;
                case "oauth":
                    Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
                    var error = JsonNode.Parse(text)!.AsObject();
                    Assert.True(expected.Code == (string?)error["error"], $"{name}: error {(string?)error["error"]}, expected {expected.Code}");
                    Assert.False(string.IsNullOrEmpty((string?)error["error_description"]));
                    var challenge = Problem.Challenge(response);
                    Assert.True(expected.BasicChallenge == (challenge?.StartsWith("Basic", StringComparison.Ordinal) ?? false), $"{name}: WWW-Authenticate '{challenge}'");
                    break;
                case "inactive":
                    Assert.Equal("""{"active":false}""", JsonNode.Parse(text)!.ToJsonString());
                    break;
                case "active":
                    Assert.True((bool)JsonNode.Parse(text)!["active"]!, name);
                    break;
                default:
                    Assert.Equal("", text);
                    break;
            }
        }

        Assert.Equal(before, await fixture.App.SnapshotAsync());
    }

    private static HttpRequestMessage Send(string method, string path, string? bearer, string? body = null) =>
        Raw(method, path, body, body is null ? null : JsonType, bearer is null ? null : "Bearer " + bearer);

    private static HttpRequestMessage Form(string path, string form, string? authorization = null) => Raw("POST", path, form, FormType, authorization);

    private static HttpRequestMessage Raw(string method, string path, string? body, string? contentType, string? authorization)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return request;
    }

    /// <summary>A form sent chunked: the size is known only by reading it.</summary>
    private static HttpRequestMessage Chunked(string path, string form, string? authorization)
    {
        var request = Raw("POST", path, null, null, authorization);
        request.Content = new UnsizedContent(Encoding.UTF8.GetBytes(form));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", FormType);
        return request;
    }

    private static HttpRequestMessage Both(string method, string path, string credential)
    {
        var request = Send(method, path, credential);
        request.Headers.TryAddWithoutValidation("x-api-key", credential);
        return request;
    }

    /// <summary>A form body, each name and value percent-encoded; repeated names stay repeated.</summary>
    private static string Q(params (string Name, string Value)[] pairs) =>
        string.Join('&', pairs.Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value)));

    /// <summary>HTTP Basic as RFC 6749 §2.3.1 wants it: id and secret form-urlencoded, then base64.</summary>
    private static string Basic(string id, string secret) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(id) + ":" + Uri.EscapeDataString(secret)));

    /// <summary>The text with one character replaced by another of the same class (a typo, a bit flip).</summary>
    private static string Flip(string text, int index) =>
        text[..index] + (char.IsDigit(text[index]) ? (text[index] == '0' ? '1' : '0') : text[index] == 'a' ? 'b' : 'a') + text[(index + 1)..];

    private static string Segment(string jwt, int index) => jwt.Split('.')[index];

    private static string Header(TokenForgery f, Action<JsonObject> edit) => TokenForgery.Encode(Json(f.Header(), edit));

    private static string Json(JsonObject json, Action<JsonObject> edit) => Edit(json, edit).ToJsonString();

    private static JsonObject Edit(JsonObject json, Action<JsonObject> edit)
    {
        edit(json);
        return json;
    }

    private static JsonObject Lifetime(JsonObject claims, TimeSpan notBefore, TimeSpan expires)
    {
        var now = AdversarialFixture.Now;
        claims["iat"] = (now + notBefore).ToUnixTimeSeconds();
        claims["nbf"] = (now + notBefore).ToUnixTimeSeconds();
        claims["exp"] = (now + expires).ToUnixTimeSeconds();
        return claims;
    }

    private static byte[] Deflate(string text)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal))
        {
            deflate.Write(Encoding.UTF8.GetBytes(text));
        }

        return output.ToArray();
    }

    /// <summary>Content whose length is not declared (sent chunked).</summary>
    private sealed class UnsizedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
