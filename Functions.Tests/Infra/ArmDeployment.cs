using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ServerlessAuth.Tests.Infra;

/// <summary>
/// One template of a compiled Bicep deployment: main.bicep at the root, each module a nested deployment below it.
/// Reads just enough ARM template language to follow a value to where it comes from: a module parameter back to
/// the expression its parent passed in, and a variable to its literal.
/// </summary>
public sealed partial class ArmDeployment
{
    private readonly JsonObject? _node;

    private ArmDeployment(JsonObject template, ArmDeployment? parent, JsonObject? node)
    {
        Template = template;
        Parent = parent;
        _node = node;
    }

    public static ArmDeployment Root(JsonObject template) => new(template, null, null);

    public JsonObject Template { get; }

    public ArmDeployment? Parent { get; }

    /// <summary>The module's deployment name (<c>storage</c>, <c>rbac</c>, ...); <c>main</c> at the root.</summary>
    public string Name => _node?["name"]?.GetValue<string>() ?? "main";

    /// <summary>The resources this template declares itself (modules included, as deployments).</summary>
    public IEnumerable<ArmResource> Resources => (Template["resources"] switch
    {
        JsonArray array => array.OfType<JsonObject>(),
        JsonObject symbolic => symbolic.Select(p => p.Value).OfType<JsonObject>(),
        _ => [],
    }).Select(r => new ArmResource(this, r));

    public IEnumerable<ArmDeployment> Modules => Resources
        .Where(r => r.Type == "Microsoft.Resources/deployments")
        .Select(r => new ArmDeployment(r.Node["properties"]!["template"]!.AsObject(), this, r.Node));

    /// <summary>This template and every module below it.</summary>
    public IEnumerable<ArmDeployment> SelfAndModules => Modules.SelectMany(m => m.SelfAndModules).Prepend(this);

    /// <summary>Every resource of the whole deployment (modules themselves left out).</summary>
    public IEnumerable<ArmResource> AllResources =>
        SelfAndModules.SelectMany(d => d.Resources).Where(r => r.Type != "Microsoft.Resources/deployments");

    public JsonObject Outputs => Template["outputs"] as JsonObject ?? [];

    public ArmDeployment Module(string name) =>
        Modules.SingleOrDefault(m => m.Name == name) ?? throw new InvalidOperationException($"No module deployment named '{name}' in {Name}.");

    /// <summary>The resources of a type anywhere in the deployment.</summary>
    public IReadOnlyList<ArmResource> OfType(string type) => [.. AllResources.Where(r => r.Type == type)];

    /// <summary>
    /// Follows an expression that is just <c>[parameters('x')]</c> of a module to what the parent passed for x,
    /// up to the template where the value is computed (or to main's own parameters).
    /// </summary>
    public (string Expression, ArmDeployment Where) Trace(string expression)
    {
        var where = this;
        expression = Unformat(expression);
        while (where._node is not null && ParameterOnly().Match(expression) is { Success: true } match)
        {
            var passed = where._node["properties"]?["parameters"]?[match.Groups["name"].Value]?["value"];
            if (passed is null)
            {
                break;
            }

            expression = Unformat(passed is JsonValue value && value.TryGetValue(out string? text) ? text : passed.ToJsonString());
            where = where.Parent!;
        }

        return (expression, where);
    }

    /// <summary>
    /// The literal string an expression comes down to: a literal, <c>[variables('x')]</c>, <c>[variables('x').y]</c>,
    /// or a module parameter traced to one of those. Throws for anything computed at deployment time.
    /// </summary>
    public string ResolveLiteral(string expression)
    {
        var (traced, where) = Trace(expression);
        if (!traced.StartsWith('['))
        {
            return traced;
        }

        if (VariableAccess().Match(traced) is { Success: true } match)
        {
            var value = where.Variable(match.Groups["name"].Value);
            if (match.Groups["member"].Success)
            {
                value = value?[match.Groups["member"].Value];
            }

            if (value is JsonValue literal && literal.TryGetValue(out string? text))
            {
                return text;
            }
        }

        throw new InvalidOperationException($"'{traced}' (in {where.Name}) is not a literal.");
    }

    /// <summary>A variable's value, following variables that are just another variable (as loadJsonContent compiles).</summary>
    private JsonNode? Variable(string name)
    {
        var value = Template["variables"]?[name];
        return value is JsonValue alias && alias.TryGetValue(out string? text) && VariableAccess().Match(text) is { Success: true, Groups: var g } && !g["member"].Success
            ? Variable(g["name"].Value)
            : value;
    }

    /// <summary><c>[format('{0}', x)]</c> is how Bicep compiles <c>'${x}'</c>; it is just x.</summary>
    private static string Unformat(string expression) =>
        FormatOfOne().Match(expression) is { Success: true } match ? $"[{match.Groups["inner"].Value}]" : expression;

    [GeneratedRegex(@"^\[format\('\{0\}', (?<inner>.+)\)\]$")]
    private static partial Regex FormatOfOne();

    [GeneratedRegex(@"^\[parameters\('(?<name>[^']+)'\)\]$")]
    private static partial Regex ParameterOnly();

    [GeneratedRegex(@"^\[variables\('(?<name>[^']+)'\)(\.(?<member>\w+))?\]$")]
    private static partial Regex VariableAccess();
}

/// <summary>One resource of a compiled template, with the template it belongs to.</summary>
public sealed record ArmResource(ArmDeployment Deployment, JsonObject Node)
{
    public string Type => Node["type"]!.GetValue<string>();

    public string Name => Node["name"]!.GetValue<string>();

    public JsonObject Properties => Node["properties"]?.AsObject() ?? [];

    /// <summary>A string by path from the resource (<c>properties.siteConfig.minTlsVersion</c>); null when absent.</summary>
    public string? Text(string path) => At(path) is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    /// <summary>A boolean property by path; null when absent or not a JSON boolean.</summary>
    public bool? Flag(string path) => At(path) is JsonValue v && v.TryGetValue(out bool b) ? b : null;

    public JsonNode? At(string path) =>
        path.Split('.').Aggregate((JsonNode?)Node, (node, segment) => node?[segment]);
}
