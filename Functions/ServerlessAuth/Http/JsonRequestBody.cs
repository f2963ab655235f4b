namespace ServerlessAuth.Http;

/// <summary>
/// Endpoint metadata describing a route's JSON body for the OpenAPI document. Deliberately not
/// <c>IAcceptsMetadata</c>: that would let routing answer a wrong content type with an empty 415 before the
/// endpoint runs, where ServerlessAuth answers a problem naming the header, the same in both hosts.
/// </summary>
/// <param name="Type">The body's DTO type.</param>
/// <param name="IsOptional">Whether the body may be omitted.</param>
public sealed record JsonRequestBody(Type Type, bool IsOptional = false);
