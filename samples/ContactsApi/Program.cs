// ContactsApi: a provider's API that accepts ServerlessAuth API keys and JWTs with ServerlessAuth.AspNetCore.
// Each tenant sees its own contacts; reading needs the scope contacts:read, adding one contacts:write.
using System.Collections.Concurrent;
using System.Security.Claims;
using ServerlessAuth.AspNetCore;
using ServerlessAuth.AspNetCore.Authorization;

var builder = WebApplication.CreateBuilder(args);

// bench/run.sh measures the same API without authentication as the baseline of the package's cost (never set it otherwise).
var authenticated = !builder.Configuration.GetValue<bool>("Benchmark:NoAuthentication");
if (authenticated)
{
    builder.Services.AddAuthentication().AddServerlessAuth(o => o.Authority = builder.Configuration["Authority"]);
    builder.Services.AddAuthorization(o => o.AddScopePolicy("contacts:read"));
}

var app = builder.Build();
var contacts = new ConcurrentDictionary<string, ConcurrentQueue<Contact>>(StringComparer.Ordinal);
ConcurrentQueue<Contact> Of(ClaimsPrincipal user) =>
    contacts.GetOrAdd(user.FindFirstValue(ServerlessAuthClaimTypes.Tenant) ?? "public", _ => new([new("Ada Lovelace", "ada@example.com")]));

var list = app.MapGet("/contacts", (ClaimsPrincipal user) => TypedResults.Ok(Of(user)));
var add = app.MapPost("/contacts", (ClaimsPrincipal user, Contact contact) =>
{
    Of(user).Enqueue(contact);
    return TypedResults.Created("/contacts", contact);
});
var me = app.MapGet("/me", (ClaimsPrincipal user) => TypedResults.Ok(new
{
    tenant = user.FindFirstValue(ServerlessAuthClaimTypes.Tenant),
    subject = user.Identity?.Name,
    credentialId = user.FindFirstValue(ServerlessAuthClaimTypes.CredentialId),
    kind = user.FindFirstValue(ServerlessAuthClaimTypes.Kind),
    scopes = user.FindAll(ServerlessAuthClaimTypes.Scope).Select(c => c.Value),
}));
app.MapGet("/health", () => "ok");

if (authenticated)
{
    list.RequireAuthorization("contacts:read");
    add.RequireAuthorization(new RequireScopeAttribute("contacts:write"));
    me.RequireAuthorization();
}

app.Run();

internal sealed record Contact(string Name, string Email);
