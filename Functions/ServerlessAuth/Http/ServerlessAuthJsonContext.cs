using System.Text.Json;
using System.Text.Json.Serialization;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Apps;
using ServerlessAuth.Audit;
using ServerlessAuth.Health;
using ServerlessAuth.Lifecycle;
using ServerlessAuth.Tenants;
using ServerlessAuth.Tokens;
using ServerlessAuth.Validation;
using ServerlessAuth.Webhooks;

namespace ServerlessAuth.Http;

/// <summary>
/// Source-generated JSON for every DTO. Strict on input: unknown members are refused (a misspelt field is an
/// error, not silently ignored), and so are repeated properties.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowDuplicateProperties = false,
    MaxDepth = 16,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ProblemBody))]
[JsonSerializable(typeof(CreateTenantRequest))]
[JsonSerializable(typeof(UpdateTenantRequest))]
[JsonSerializable(typeof(TenantResponse))]
[JsonSerializable(typeof(PutOperatorRequest))]
[JsonSerializable(typeof(OperatorResponse))]
[JsonSerializable(typeof(ListResponse<OperatorResponse>))]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(ApiKeyResponse))]
[JsonSerializable(typeof(ListResponse<ApiKeyResponse>))]
[JsonSerializable(typeof(RotateApiKeyRequest))]
[JsonSerializable(typeof(LogEntryResponse))]
[JsonSerializable(typeof(ListResponse<LogEntryResponse>))]
[JsonSerializable(typeof(LifecycleReport))]
[JsonSerializable(typeof(ValidateRequest))]
[JsonSerializable(typeof(ValidationResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(CreateAppRequest))]
[JsonSerializable(typeof(AddAppSecretRequest))]
[JsonSerializable(typeof(AppResponse))]
[JsonSerializable(typeof(AppSecretResponse))]
[JsonSerializable(typeof(ListResponse<AppResponse>))]
[JsonSerializable(typeof(AppTokenRequest))]
[JsonSerializable(typeof(AppTokenResponse))]
[JsonSerializable(typeof(OAuthTokenResponse))]
[JsonSerializable(typeof(OAuthErrorBody))]
[JsonSerializable(typeof(IntrospectionResponse))]
[JsonSerializable(typeof(JsonWebKeySetResponse))]
[JsonSerializable(typeof(AuthorizationServerMetadata))]
[JsonSerializable(typeof(SigningKeysResponse))]
[JsonSerializable(typeof(CreateWebhookRequest))]
[JsonSerializable(typeof(UpdateWebhookRequest))]
[JsonSerializable(typeof(RotateWebhookSecretRequest))]
[JsonSerializable(typeof(WebhookResponse))]
[JsonSerializable(typeof(ListResponse<WebhookResponse>))]
[JsonSerializable(typeof(WebhookDeliveryResponse))]
[JsonSerializable(typeof(ListResponse<WebhookDeliveryResponse>))]
[JsonSerializable(typeof(WebhookQueuedResponse))]
public sealed partial class ServerlessAuthJsonContext : JsonSerializerContext;
