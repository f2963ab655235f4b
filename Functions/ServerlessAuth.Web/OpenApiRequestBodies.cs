using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using ServerlessAuth.Http;

namespace ServerlessAuth.Web;

/// <summary>Adds each route's JSON body (from <see cref="JsonRequestBody"/> metadata) to the OpenAPI document.</summary>
internal static class OpenApiRequestBodies
{
    public static async Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var body = context.Description.ActionDescriptor.EndpointMetadata.OfType<JsonRequestBody>().FirstOrDefault();
        if (body is null)
        {
            return;
        }

        var schema = await context.GetOrCreateSchemaAsync(body.Type, cancellationToken: cancellationToken);
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = !body.IsOptional,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
        };
    }
}
