namespace ServerlessAuth.Storage;

/// <summary>
/// A dependency (Table Storage, Key Vault) did not answer as it should. Answered 503 with <c>Retry-After</c>;
/// the request changed nothing it could not finish.
/// </summary>
public sealed class ServiceUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ServiceUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ServiceUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the fault behind it.</summary>
    public ServiceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The dependency that failed (<c>storage</c>, <c>keyVault</c>).</summary>
    public string Dependency { get; init; } = "storage";

    /// <summary>
    /// True when the exception is a dependency fault rather than a bug: Azure SDK failures other than the
    /// expected 404/409/412, network errors and timeouts.
    /// </summary>
    internal static bool IsDependencyFault(Exception exception, CancellationToken requestAborted) => exception switch
    {
        ServiceUnavailableException => true,
        Azure.RequestFailedException => true,
        Azure.Identity.AuthenticationFailedException => true,
        HttpRequestException => true,
        IOException => true,
        TimeoutException => true,
        OperationCanceledException => !requestAborted.IsCancellationRequested,
        AggregateException aggregate => aggregate.InnerExceptions.All(inner => IsDependencyFault(inner, requestAborted)),
        _ => false,
    };
}
