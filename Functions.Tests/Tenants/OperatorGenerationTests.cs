using System.Net;
using Azure;
using Azure.Data.Tables;
using ServerlessAuth.Http;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Tenants;

/// <summary>
/// Operator removal in steps (mark, revoke, delete), and rows stored before generations and registrants were recorded:
/// a removal that stopped half way already refuses the operator's keys and is finished by a retry; old operators and
/// keys keep working and the operator gets a generation at its first grant; an old app follows the operator its
/// CreatedBy names.
/// </summary>
public sealed class OperatorGenerationTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private string _tenant = null!;
    private TableClient _table = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync();
        _tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        _table = new TableServiceClient((await AzuriteServer.Shared).ConnectionString).GetTableClient(_app.TablePrefix + TableStorage.Tenants);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Removal_ThatStoppedAfterItsFirstStepRefusesTheKeysAtOnceAndARetryFinishesIt()
    {
        await _app.PutOperatorAsync(_tenant, "rita", "member", "a");
        var key = await _app.IssueKeyAsync(_tenant, "rita", ["a"]);

        // The first step of a removal, as if the request had then failed.
        var store = _app.Get<TenantStore>();
        var rita = (await store.GetOperatorAsync(TenantId.FromStorage(_tenant), OperatorId.FromStorage("rita"), default))!;
        Assert.Equal(WriteOutcome.Done, await store.MarkRemovingAsync(rita, DateTimeOffset.UtcNow, default));
        _app.Get<TenantDirectory>().Forget(rita.TenantId, rita.Id);

        using (var refused = await AppTestData.ValidateAsync(_app, (string)key["key"]!))
        {
            await Problem.AssertAsync(refused, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
        }

        // Nothing more is granted to it.
        using (var issue = await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{_tenant}/keys", new { operatorId = "rita", name = "late", scopes = new[] { "a" } }))
        {
            await Problem.AssertAsync(issue, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest);
        }

        using (var retry = await TestApp.SendAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{_tenant}/operators/rita"))
        {
            Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
        }

        var stored = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{_tenant}/keys/{key["id"]}");
        Assert.Equal("revoked", (string?)stored["status"]);
        using var gone = await TestApp.SendAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{_tenant}/operators/rita");
        await Problem.AssertAsync(gone, HttpStatusCode.NotFound, ProblemCodes.NotFound);
    }

    [Fact]
    public async Task OperatorAndKeyStoredBeforeGenerations_KeepWorkingAndTheOperatorGetsOneAtItsFirstGrant()
    {
        await _app.PutOperatorAsync(_tenant, "otto", "member", "a");
        var old = await _app.IssueKeyAsync(_tenant, "otto", ["a"]);
        await ForgetGenerationsAsync("otto", (string)old["id"]!);

        using (var before = await AppTestData.ValidateAsync(_app, (string)old["key"]!))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        // Its first grant gives the operator a generation (and a grant fence); the old key still counts as its own.
        var fresh = await _app.IssueKeyAsync(_tenant, "otto", ["a"]);
        var row = await _table.GetEntityAsync<TableEntity>(_tenant, "operator|otto");
        Assert.NotNull(row.Value.GetString("Generation"));
        foreach (var key in new[] { old, fresh })
        {
            using var response = await AppTestData.ValidateAsync(_app, (string)key["key"]!);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // And its removal ends both.
        using (var delete = await TestApp.SendAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{_tenant}/operators/otto"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        foreach (var key in new[] { old, fresh })
        {
            using var response = await AppTestData.ValidateAsync(_app, (string)key["key"]!);
            await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
        }
    }

    [Fact]
    public async Task AppStoredBeforeItsRegistrantWasRecorded_FollowsTheOperatorItsCreatedByNames()
    {
        string[] permissions = ["a", "b", "serverlessauth:apps"];
        await _app.PutOperatorAsync(_tenant, "otto", "owner", permissions);
        var otto = _app.ClientWith((string)(await _app.IssueKeyAsync(_tenant, "otto", permissions))["key"]!);
        var registered = await AppTestData.RegisterInAsync(_app, _tenant, ["a", "b"], otto);
        var token = await AppTestData.TokenAsync(_app, registered);

        // As stored before RegisteredBy existed: only CreatedBy ("operator:otto") says who registered it.
        var row = (await _table.GetEntityAsync<TableEntity>(_tenant, "app|" + registered.AppId)).Value;
        Assert.Equal("operator:otto", row.GetString("CreatedBy"));
        row.Remove("RegisteredBy");
        row.Remove("RegistrantGeneration");
        await _table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace);
        _app.Get<ServerlessAuth.Apps.AppDirectory>().Forget(TenantId.FromStorage(_tenant), ServerlessAuth.Apps.AppId.FromStorage(registered.AppId));

        await _app.PutOperatorAsync(_tenant, "otto", "owner", "a", "serverlessauth:apps");
        using (var narrowed = await AppTestData.ValidateAsync(_app, token, "b"))
        {
            await Problem.AssertAsync(narrowed, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        }

        using (var delete = await TestApp.SendAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{_tenant}/operators/otto"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        var app = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{_tenant}/apps/{registered.AppId}");
        Assert.Equal("revoked", (string?)app["status"]);
        using var ended = await AppTestData.ValidateAsync(_app, token);
        await Problem.AssertAsync(ended, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
    }

    /// <summary>Makes an operator and one of its keys look as they were stored before generations existed.</summary>
    private async Task ForgetGenerationsAsync(string operatorId, string keyId)
    {
        var op = (await _table.GetEntityAsync<TableEntity>(_tenant, "operator|" + operatorId)).Value;
        await _table.DeleteEntityAsync(_tenant, $"fence|{operatorId}|{op.GetString("Generation")}");
        op.Remove("Generation");
        await _table.UpdateEntityAsync(op, ETag.All, TableUpdateMode.Replace);

        var key = (await _table.GetEntityAsync<TableEntity>(_tenant, "key|" + keyId)).Value;
        foreach (var rowKey in new[] { "key|" + keyId, "secret|" + key.GetString("SecretDigest") })
        {
            var row = (await _table.GetEntityAsync<TableEntity>(_tenant, rowKey)).Value;
            row.Remove("OperatorGeneration");
            row.Remove("RateLimitId");
            await _table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace);
        }

        _app.Get<TenantDirectory>().Forget(TenantId.FromStorage(_tenant), OperatorId.FromStorage(operatorId));
        _app.Get<ServerlessAuth.Validation.CredentialValidator>().Forget((await _app.Get<ApiKeyStore>().GetAsync(TenantId.FromStorage(_tenant), ServerlessAuth.ApiKeys.ApiKeyId.FromStorage(keyId), default))!);
    }
}
