namespace ServerlessAuth.Tests.Infrastructure;

/// <summary>
/// A test of Linux process behaviour (signals, <c>/proc</c>, util-linux's <c>setpriv</c>, which run.sh uses so that
/// its children die with it): skipped on other systems, where run.sh cannot offer it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "Linux only: signals, /proc and setpriv.";
        }
    }
}
