using Microsoft.AspNetCore.Diagnostics;
using ServerlessAuth.Http;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Middleware of the standalone host.</summary>
public static class ServerlessAuthApplicationBuilderExtensions
{
    /// <summary>
    /// Answers a path that is no route (404) and a route asked with another method (405, with routing's <c>Allow</c>
    /// header) with the same <c>application/problem+json</c> body as every other error, instead of an empty one.
    /// </summary>
    public static IApplicationBuilder UseServerlessAuthStatusCodeProblems(this IApplicationBuilder app) =>
        app.UseStatusCodePages(static context =>
            ApiProblem.ForEmptyStatus(context.HttpContext.Response.StatusCode) is { } problem
                ? problem.ExecuteAsync(context.HttpContext)
                : Task.CompletedTask);
}
