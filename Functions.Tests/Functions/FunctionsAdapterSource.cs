using System.Text.RegularExpressions;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Functions;

/// <summary>
/// The trigger methods of the Functions adapter, read from its source text: the worker packages do not restore on
/// every machine, so the adapter is left out of <c>ServerlessAuth.Core.slnf</c> and cannot be loaded by reflection.
/// The parser accepts only the shape a trigger is meant to have and reports anything else instead of skipping it.
/// </summary>
internal sealed partial class FunctionsAdapterSource
{
    private FunctionsAdapterSource(IReadOnlyList<TriggerMethod> triggers, IReadOnlyList<string> unrecognised, int httpTriggerAttributes)
    {
        Triggers = triggers;
        Unrecognised = unrecognised;
        HttpTriggerAttributes = httpTriggerAttributes;
    }

    public static string ProjectDirectory { get; } = Path.Combine(RepositoryRootAttribute.Value, "Functions", "ServerlessAuth.Functions");

    /// <summary>Every recognised <c>[Function]</c> method.</summary>
    public IReadOnlyList<TriggerMethod> Triggers { get; }

    /// <summary>Where a <c>[Function]</c> attribute starts a declaration the parser does not recognise (file:line).</summary>
    public IReadOnlyList<string> Unrecognised { get; }

    /// <summary>How many <c>HttpTrigger</c> attributes the sources hold, on recognised triggers or not.</summary>
    public int HttpTriggerAttributes { get; }

    public static FunctionsAdapterSource Load()
    {
        var triggers = new List<TriggerMethod>();
        var unrecognised = new List<string>();
        var httpTriggerAttributes = 0;
        foreach (var path in SourceFiles())
        {
            var text = ReadWithoutLineComments(path);
            var file = Path.GetRelativePath(ProjectDirectory, path);
            httpTriggerAttributes += HttpTriggerAttributeUse().Count(text);
            foreach (Match start in FunctionAttributeStart().Matches(text))
            {
                var location = $"{file}:{text.AsSpan(0, start.Index).Count('\n') + 1}";
                var declaration = TriggerDeclaration().Match(text, start.Index);
                var trigger = declaration.Success ? TriggerMethod.From(declaration, location) : null;
                if (trigger is null)
                {
                    unrecognised.Add(location);
                }
                else
                {
                    triggers.Add(trigger);
                }
            }
        }

        return new(triggers, unrecognised, httpTriggerAttributes);
    }

    /// <summary>A file of the adapter project, without <c>//</c> comments (so that commented-out code does not count).</summary>
    public static string ReadWithoutLineComments(string path) =>
        LineComment().Replace(File.ReadAllText(Path.Combine(ProjectDirectory, path)), string.Empty);

    /// <summary>Splits an argument or parameter list at its top-level commas.</summary>
    public static IReadOnlyList<string> SplitTopLevel(string text)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    quoted = true;
                    break;
                case '(' or '[' or '{' or '<':
                    depth++;
                    break;
                case ')' or ']' or '}' or '>':
                    depth--;
                    break;
                case ',' when depth == 0:
                    parts.Add(text[start..i].Trim());
                    start = i + 1;
                    break;
            }
        }

        var last = text[start..].Trim();
        if (last.Length > 0 || parts.Count > 0)
        {
            parts.Add(last);
        }

        return parts;
    }

    private static IEnumerable<string> SourceFiles()
    {
        var generated = new[] { Path.Combine(ProjectDirectory, "bin"), Path.Combine(ProjectDirectory, "obj") };
        return Directory.EnumerateFiles(ProjectDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(path => !generated.Any(dir => path.StartsWith(dir + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"\[\s*Function(?:Attribute)?\s*\(")]
    private static partial Regex FunctionAttributeStart();

    [GeneratedRegex(@"\bHttpTrigger(?:Attribute)?\s*\(")]
    private static partial Regex HttpTriggerAttributeUse();

    // [Function(nameof(X))] or [Function("X")], then an expression-bodied public method (static, or an instance
    // method of a class that takes library services by constructor), nothing in between.
    [GeneratedRegex("""
        \G\[\s*Function\(\s*(?:nameof\(\s*(?<nameof>\w+)\s*\)|"(?<literal>[^"\\]*)")\s*\)\s*\]\s*
        (?<declaration>public\s+(?:static\s+)?(?<returns>[\w.]+(?:<[\w.,\s<>?]+>)?)\s+(?<method>\w+)\s*
        \((?<parameters>(?>[^()]+|\((?<depth>)|\)(?<-depth>))*(?(depth)(?!)))\)\s*
        =>\s*(?<body>[^;{}]*);)
        """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex TriggerDeclaration();
}

/// <summary>One <c>[Function]</c> method of the adapter.</summary>
internal sealed partial record TriggerMethod(
    string Location, string FunctionName, string MethodName, string ReturnType, IReadOnlyList<TriggerParameter> Parameters,
    HttpTriggerBinding? Http, string Body, int DeclarationLines)
{
    public static TriggerMethod? From(Match declaration, string location)
    {
        var parameters = new List<TriggerParameter>();
        foreach (var text in FunctionsAdapterSource.SplitTopLevel(declaration.Groups["parameters"].Value))
        {
            var parameter = ParameterShape().Match(text);
            if (!parameter.Success)
            {
                return null;
            }

            var attribute = parameter.Groups["attribute"];
            parameters.Add(new(attribute.Success ? attribute.Value.Trim() : null, parameter.Groups["type"].Value, parameter.Groups["name"].Value));
        }

        var http = parameters.Select(p => HttpTriggerBinding.TryParse(p.Attribute)).OfType<HttpTriggerBinding>().ToList();
        if (http.Count > 1)
        {
            return null;
        }

        var nameof = declaration.Groups["nameof"];
        return new(
            location,
            nameof.Success ? nameof.Value : declaration.Groups["literal"].Value,
            declaration.Groups["method"].Value,
            Whitespace().Replace(declaration.Groups["returns"].Value, string.Empty),
            parameters,
            http.SingleOrDefault(),
            Whitespace().Replace(declaration.Groups["body"].Value, " ").Trim(),
            declaration.Groups["declaration"].ValueSpan.Count('\n') + 1);
    }

    [GeneratedRegex(@"^(?:\[(?<attribute>.+)\]\s*)?(?<type>[\w.]+(?:<[\w.,\s?]+>)?\??)\s+(?<name>\w+)$", RegexOptions.Singleline)]
    private static partial Regex ParameterShape();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

/// <summary>A parameter of a trigger method; <see cref="Type"/> as written (<c>string</c>, <c>HttpRequest</c>).</summary>
internal sealed record TriggerParameter(string? Attribute, string Type, string Name);

/// <summary>
/// The arguments of an <c>[HttpTrigger(...)]</c> attribute: the first positional argument unless it is a string
/// (the authorization level), the string literals (HTTP methods) and the <c>Route</c> named argument.
/// </summary>
internal sealed partial record HttpTriggerBinding(string? AuthorizationLevel, IReadOnlyList<string> Methods, string? Route)
{
    public static HttpTriggerBinding? TryParse(string? attribute)
    {
        var match = attribute is null ? Match.Empty : AttributeShape().Match(attribute);
        if (!match.Success)
        {
            return null;
        }

        var arguments = FunctionsAdapterSource.SplitTopLevel(match.Groups["arguments"].Value);
        string? level = null;
        string? route = null;
        var methods = new List<string>();
        for (var i = 0; i < arguments.Count; i++)
        {
            var named = NamedArgument().Match(arguments[i]);
            if (StringLiteral().Match(arguments[i]) is { Success: true } literal)
            {
                methods.Add(literal.Groups["value"].Value);
            }
            else if (named.Success)
            {
                route = named.Groups["name"].Value == "Route" ? Unquote(named.Groups["value"].Value) : route;
            }
            else if (i == 0)
            {
                level = arguments[i];
            }
        }

        return new(level, methods, route);
    }

    private static string Unquote(string value) =>
        StringLiteral().Match(value) is { Success: true } literal ? literal.Groups["value"].Value : value;

    [GeneratedRegex(@"^HttpTrigger(?:Attribute)?\s*\((?<arguments>.*)\)$", RegexOptions.Singleline)]
    private static partial Regex AttributeShape();

    [GeneratedRegex("""^"(?<value>[^"\\]*)"$""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"^(?<name>\w+)\s*=\s*(?<value>.+)$", RegexOptions.Singleline)]
    private static partial Regex NamedArgument();
}
