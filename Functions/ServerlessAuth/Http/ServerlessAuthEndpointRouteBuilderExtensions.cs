using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Health;
using ServerlessAuth.Http;
using ServerlessAuth.Tenants;
using ServerlessAuth.Validation;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the ServerlessAuth API on plain ASP.NET Core (the standalone host).</summary>
public static class ServerlessAuthEndpointRouteBuilderExtensions
{
    /// <summary>Maps every route of <see cref="ServerlessAuthRoutes.All"/> at the root, as the Functions app serves them.</summary>
    public static IEndpointRouteBuilder MapServerlessAuthApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        const string problem = "application/problem+json";

        endpoints.MapPost("/api/v1/validate", ServerlessAuthEndpoints.Validate).WithName(nameof(ServerlessAuthEndpoints.Validate)).WithTags("Data plane")
            .WithSummary("Validates the credential in Authorization: Bearer or x-api-key; optional ?scope=a b or {requiredScopes}.")
            .WithMetadata(new JsonRequestBody(typeof(ValidateRequest), IsOptional: true)).Produces<ValidationResponse>(200).ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(429).ProducesProblem(503);

        endpoints.MapPost("/api/v1/tenants", ServerlessAuthEndpoints.CreateTenant).WithName(nameof(ServerlessAuthEndpoints.CreateTenant)).WithTags("Tenants")
            .WithSummary("Creates a tenant (admin key).")
            .WithMetadata(new JsonRequestBody(typeof(CreateTenantRequest))).Produces<TenantResponse>(201).ProducesProblem(400, problem).ProducesProblem(401).ProducesProblem(403).ProducesProblem(409);
        endpoints.MapGet("/api/v1/tenants/{tenantId}", ServerlessAuthEndpoints.GetTenant).WithName(nameof(ServerlessAuthEndpoints.GetTenant)).WithTags("Tenants")
            .Produces<TenantResponse>(200).ProducesProblem(401).ProducesProblem(404);
        endpoints.MapMethods("/api/v1/tenants/{tenantId}", ["PATCH"], ServerlessAuthEndpoints.UpdateTenant).WithName(nameof(ServerlessAuthEndpoints.UpdateTenant)).WithTags("Tenants")
            .WithMetadata(new JsonRequestBody(typeof(UpdateTenantRequest))).Produces<TenantResponse>(200).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);

        endpoints.MapGet("/api/v1/tenants/{tenantId}/operators", ServerlessAuthEndpoints.ListOperators).WithName(nameof(ServerlessAuthEndpoints.ListOperators)).WithTags("Operators")
            .Produces<ListResponse<OperatorResponse>>(200).ProducesProblem(403).ProducesProblem(404);
        endpoints.MapPut("/api/v1/tenants/{tenantId}/operators/{operatorId}", ServerlessAuthEndpoints.PutOperator).WithName(nameof(ServerlessAuthEndpoints.PutOperator)).WithTags("Operators")
            .WithMetadata(new JsonRequestBody(typeof(PutOperatorRequest))).Produces<OperatorResponse>(200).Produces<OperatorResponse>(201).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        endpoints.MapGet("/api/v1/tenants/{tenantId}/operators/{operatorId}", ServerlessAuthEndpoints.GetOperator).WithName(nameof(ServerlessAuthEndpoints.GetOperator)).WithTags("Operators")
            .Produces<OperatorResponse>(200).ProducesProblem(404);
        endpoints.MapDelete("/api/v1/tenants/{tenantId}/operators/{operatorId}", ServerlessAuthEndpoints.DeleteOperator).WithName(nameof(ServerlessAuthEndpoints.DeleteOperator)).WithTags("Operators")
            .Produces(204).ProducesProblem(403).ProducesProblem(404);

        endpoints.MapPost("/api/v1/tenants/{tenantId}/keys", ServerlessAuthEndpoints.IssueKey).WithName(nameof(ServerlessAuthEndpoints.IssueKey)).WithTags("API keys")
            .WithSummary("Issues an API key; the secret is in this response only.")
            .WithMetadata(new JsonRequestBody(typeof(CreateApiKeyRequest))).Produces<ApiKeyResponse>(201).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        endpoints.MapGet("/api/v1/tenants/{tenantId}/keys", ServerlessAuthEndpoints.ListKeys).WithName(nameof(ServerlessAuthEndpoints.ListKeys)).WithTags("API keys")
            .WithSummary("Lists keys (never secrets); filters operatorId, status; paging pageSize (≤ 100), continuationToken.")
            .Produces<ListResponse<ApiKeyResponse>>(200).ProducesProblem(400).ProducesProblem(404);
        endpoints.MapGet("/api/v1/tenants/{tenantId}/keys/{keyId}", ServerlessAuthEndpoints.GetKey).WithName(nameof(ServerlessAuthEndpoints.GetKey)).WithTags("API keys")
            .Produces<ApiKeyResponse>(200).ProducesProblem(404);
        endpoints.MapDelete("/api/v1/tenants/{tenantId}/keys/{keyId}", ServerlessAuthEndpoints.RevokeKey).WithName(nameof(ServerlessAuthEndpoints.RevokeKey)).WithTags("API keys")
            .WithSummary("Revokes a key (idempotent).")
            .Produces<ApiKeyResponse>(200).ProducesProblem(404);

        endpoints.MapGet("/api/health", ServerlessAuthEndpoints.Health).WithName(nameof(ServerlessAuthEndpoints.Health)).WithTags("Health")
            .Produces<HealthResponse>(200).Produces<HealthResponse>(503);
        return endpoints;
    }
}
