using System.Globalization;
using CsCheck;

namespace ServerlessAuth.Tests.Hardening;

/// <summary>
/// One step of a generated sequence against the API key surface. Keys are named by index into the keys the sequence
/// has created so far (modulo their number), so any generated sequence is meaningful whatever happened before.
/// </summary>
public abstract record CredentialCommand
{
    private const int Day = 86_400;

    /// <summary>Issue a key to the sequence's operator, expiring <paramref name="ExpiresInSeconds"/> from now.</summary>
    public sealed record Issue(int ExpiresInSeconds) : CredentialCommand
    {
        public override string ToString() => $"Issue(expires in {Duration(ExpiresInSeconds)})";
    }

    /// <summary>Validate the secret of key #<paramref name="Key"/>.</summary>
    public sealed record Validate(int Key) : CredentialCommand
    {
        public override string ToString() => $"Validate(#{Key})";
    }

    /// <summary>Validate a credential nobody holds: a mistyped copy of key #<paramref name="Key"/>, or a well-formed unknown key.</summary>
    public sealed record ValidateForged(int Key, bool Typo) : CredentialCommand
    {
        public override string ToString() => Typo ? $"ValidateTypoOf(#{Key})" : "ValidateUnknownKey";
    }

    /// <summary>Revoke key #<paramref name="Key"/> with the admin key.</summary>
    public sealed record Revoke(int Key) : CredentialCommand
    {
        public override string ToString() => $"Revoke(#{Key})";
    }

    /// <summary>Rotate key #<paramref name="Key"/> with an overlap, optionally giving the new key an expiry.</summary>
    public sealed record Rotate(int Key, int OverlapSeconds, int? NewExpiresInSeconds) : CredentialCommand
    {
        public override string ToString() =>
            $"Rotate(#{Key}, overlap {Duration(OverlapSeconds)}{(NewExpiresInSeconds is { } e ? ", new expires in " + Duration(e) : "")})";
    }

    /// <summary>Advance the clock, then (as the scheduler would) possibly run the lifecycle job.</summary>
    public sealed record Advance(int Seconds, bool ThenRun) : CredentialCommand
    {
        public override string ToString() => $"Advance({Duration(Seconds)}){(ThenRun ? " + RunLifecycle" : "")}";
    }

    /// <summary>Advance the clock to one of the model's next boundaries (an expiry, an overlap end, a purge date), plus <paramref name="DeltaSeconds"/>.</summary>
    public sealed record AdvanceToBoundary(int Pick, int DeltaSeconds, bool ThenRun) : CredentialCommand
    {
        public override string ToString() => $"AdvanceToBoundary(#{Pick}, {DeltaSeconds:+0;-0;0} s){(ThenRun ? " + RunLifecycle" : "")}";
    }

    /// <summary>Run the lifecycle job through its admin route.</summary>
    public sealed record RunLifecycle : CredentialCommand
    {
        public override string ToString() => "RunLifecycle";
    }

    /// <summary>List the tenant's keys, optionally filtered by status.</summary>
    public sealed record List(string? Status) : CredentialCommand
    {
        public override string ToString() => $"List({Status ?? "all"})";
    }

    /// <summary>A sequence: the time of day it starts at (for replay), a first key, then up to <paramref name="maxSteps"/> more steps.</summary>
    public static Gen<(int StartSecondOfDay, CredentialCommand[] Steps)> Sequence(int maxSteps)
    {
        var expiry = Gen.Frequency(
            (2, Gen.Int[301, 2 * 3600]),
            (2, Gen.Int[2 * 3600, 3 * Day]),
            (3, Gen.Int[3 * Day, 120 * Day]));
        var overlap = Gen.Frequency((2, Gen.Const(0)), (3, Gen.Int[1, 3600]), (2, Gen.Int[3600, 604_800]));
        var advance = Gen.Frequency(
            (2, Gen.Int[1, 59]),
            (2, Gen.Int[60, 3599]),
            (2, Gen.Int[3600, Day]),
            (2, Gen.Int[Day, 5 * Day]),
            (2, Gen.Int[25 * Day, 40 * Day]));
        var key = Gen.Int[0, 15];
        var step = Gen.Frequency<CredentialCommand>(
            (3, expiry.Select(e => (CredentialCommand)new Issue(e))),
            (5, key.Select(k => (CredentialCommand)new Validate(k))),
            (1, Gen.Select(key, Gen.Bool).Select(t => (CredentialCommand)new ValidateForged(t.Item1, t.Item2))),
            (2, key.Select(k => (CredentialCommand)new Revoke(k))),
            (3, Gen.Select(key, overlap, expiry.Nullable()).Select(t => (CredentialCommand)new Rotate(t.Item1, t.Item2, t.Item3 is { } e ? e : null))),
            (3, Gen.Select(advance, Gen.Bool).Select(t => (CredentialCommand)new Advance(t.Item1, t.Item2))),
            (4, Gen.Select(Gen.Int[0, 7], Gen.Int[-1, 1], Gen.Bool).Select(t => (CredentialCommand)new AdvanceToBoundary(t.Item1, t.Item2, t.Item3))),
            (2, Gen.Const<CredentialCommand>(new RunLifecycle())),
            (2, Gen.OneOf<string?>(null, "active", "expired", "revoked").Select(s => (CredentialCommand)new List(s))));
        return Gen.Select(Gen.Int[0, Day - 1], expiry, step.Array[0, maxSteps])
            .Select(t => (t.Item1, (CredentialCommand[])[new Issue(t.Item2), .. t.Item3]));
    }

    public static string Print((int StartSecondOfDay, CredentialCommand[] Steps) sequence) =>
        $"start at {TimeSpan.FromSeconds(sequence.StartSecondOfDay):hh\\:mm\\:ss} UTC: {string.Join(" ; ", sequence.Steps.Select(s => s.ToString()))}";

    public static string Duration(long seconds) => seconds switch
    {
        >= Day => (seconds / (double)Day).ToString("0.##", CultureInfo.InvariantCulture) + " d",
        >= 3600 => (seconds / 3600.0).ToString("0.##", CultureInfo.InvariantCulture) + " h",
        >= 60 => (seconds / 60.0).ToString("0.##", CultureInfo.InvariantCulture) + " min",
        _ => seconds.ToString(CultureInfo.InvariantCulture) + " s",
    };
}
