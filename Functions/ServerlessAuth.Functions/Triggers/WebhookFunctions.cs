using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessAuth.Http;
using ServerlessAuth.Webhooks;

namespace ServerlessAuth.Functions.Triggers;

/// <summary>
/// Webhook endpoints of a tenant (control plane), and the queue trigger that delivers each queued event. The queue is
/// <c>serverlessauth-webhooks</c>, reached through the <c>ServerlessAuthQueue</c> connection setting (a connection
/// string locally; <c>ServerlessAuthQueue__queueServiceUri</c> with the managed identity in Azure).
/// </summary>
public sealed class WebhookFunctions(WebhookDeliverer deliverer)
{
    [Function(nameof(DeliverWebhook))]
    public Task DeliverWebhook([QueueTrigger("serverlessauth-webhooks", Connection = "ServerlessAuthQueue")] string message, CancellationToken cancellationToken) =>
        deliverer.DeliverAsync(message, cancellationToken);

    [Function(nameof(CreateWebhook))]
    public static Task<IResult> CreateWebhook([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/tenants/{tenantId}/webhooks")] HttpRequest req, string tenantId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.CreateWebhook(req, tenantId, cancellationToken);

    [Function(nameof(ListWebhooks))]
    public static Task<IResult> ListWebhooks([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/tenants/{tenantId}/webhooks")] HttpRequest req, string tenantId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.ListWebhooks(req, tenantId, cancellationToken);

    [Function(nameof(GetWebhook))]
    public static Task<IResult> GetWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/tenants/{tenantId}/webhooks/{webhookId}")] HttpRequest req, string tenantId, string webhookId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.GetWebhook(req, tenantId, webhookId, cancellationToken);

    [Function(nameof(UpdateWebhook))]
    public static Task<IResult> UpdateWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "api/v1/tenants/{tenantId}/webhooks/{webhookId}")] HttpRequest req, string tenantId, string webhookId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.UpdateWebhook(req, tenantId, webhookId, cancellationToken);

    [Function(nameof(DeleteWebhook))]
    public static Task<IResult> DeleteWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/v1/tenants/{tenantId}/webhooks/{webhookId}")] HttpRequest req, string tenantId, string webhookId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.DeleteWebhook(req, tenantId, webhookId, cancellationToken);

    [Function(nameof(TestWebhook))]
    public static Task<IResult> TestWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/tenants/{tenantId}/webhooks/{webhookId}/test")] HttpRequest req, string tenantId, string webhookId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.TestWebhook(req, tenantId, webhookId, cancellationToken);

    [Function(nameof(RotateWebhookSecret))]
    public static Task<IResult> RotateWebhookSecret(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/tenants/{tenantId}/webhooks/{webhookId}/rotate-secret")] HttpRequest req, string tenantId, string webhookId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.RotateWebhookSecret(req, tenantId, webhookId, cancellationToken);

    [Function(nameof(ListWebhookDeliveries))]
    public static Task<IResult> ListWebhookDeliveries(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/tenants/{tenantId}/webhooks/{webhookId}/deliveries")] HttpRequest req, string tenantId, string webhookId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.ListWebhookDeliveries(req, tenantId, webhookId, cancellationToken);

    [Function(nameof(RedeliverWebhook))]
    public static Task<IResult> RedeliverWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/tenants/{tenantId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver")] HttpRequest req, string tenantId, string webhookId, string deliveryId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.RedeliverWebhook(req, tenantId, webhookId, deliveryId, cancellationToken);
}
