using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Runs a host of ServerlessAuth, turning a start-up configuration error into one clear message.</summary>
public static class ServerlessAuthHostExtensions
{
    /// <summary>
    /// Runs <paramref name="host"/> until it stops and answers the process's exit code: 0, or 1 when it could not
    /// start because of its configuration (every invalid setting listed on standard error, without a stack trace: a
    /// configuration error is the operator's to fix, not a bug) or because its address is taken.
    /// </summary>
    public static int RunServerlessAuth(this IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        try
        {
            // The host would validate the same options as it starts, but a service resolving them first would throw
            // only its own options' errors, and the host would log the exception with its stack trace.
            host.Services.GetService<IStartupValidator>()?.Validate();
            host.Run();
            return 0;
        }
        catch (Exception e) when (ConfigurationErrors(e) is { Count: > 0 } errors)
        {
            Console.Error.WriteLine($"ServerlessAuth cannot start: {errors.Count} setting(s) to fix.");
            foreach (var error in errors)
            {
                Console.Error.WriteLine($"  - {error}");
            }

            return 1;
        }
        catch (IOException e) when (e.InnerException is AddressInUseException)
        {
            Console.Error.WriteLine($"ServerlessAuth cannot start: {e.Message} Stop the process using it, or pick another address with --urls.");
            return 1;
        }
    }

    /// <summary>Every failure of an options validation (one options type, or several in an aggregate); empty otherwise.</summary>
    private static List<string> ConfigurationErrors(Exception e) => e switch
    {
        OptionsValidationException validation => [.. validation.Failures],
        AggregateException aggregate when aggregate.InnerExceptions.All(i => i is OptionsValidationException) =>
            [.. aggregate.InnerExceptions.Cast<OptionsValidationException>().SelectMany(v => v.Failures)],
        _ => [],
    };
}
