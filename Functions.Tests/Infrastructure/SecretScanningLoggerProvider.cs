using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace ServerlessAuth.Tests.Infrastructure;

/// <summary>
/// Every test host's log at its lowest level (Trace, every category, Microsoft.* included): each message, structured
/// state value, exception and scope is handed to a <see cref="SecretLeakScanner"/> as it is logged, then dropped.
/// </summary>
public sealed class SecretScanningLoggerProvider(SecretLeakScanner scanner) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Scanning(categoryName, scanner);

    public void Dispose()
    {
    }

    private sealed class Scanning(string category, SecretLeakScanner scanner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            scanner.Scan($"{category} (scope)", Text(state, null, state.ToString()));
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var source = string.Create(CultureInfo.InvariantCulture, $"{category} event {eventId.Id}{(eventId.Name is null ? "" : " (" + eventId.Name + ")")} at {logLevel}");
            scanner.Scan(source, Text(state, exception, formatter(state, exception)));
        }

        private static string Text<TState>(TState state, Exception? exception, string? message)
        {
            var text = new StringBuilder(message);
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                {
                    var shown = value is System.Collections.IEnumerable items and not string
                        ? string.Join(',', items.Cast<object?>())
                        : Convert.ToString(value, CultureInfo.InvariantCulture);
                    text.Append('\n').Append(key).Append('=').Append(shown);
                }
            }

            if (exception is not null)
            {
                text.Append('\n').Append(exception);
            }

            return text.ToString();
        }
    }
}
