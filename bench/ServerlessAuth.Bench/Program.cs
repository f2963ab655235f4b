// Helpers of bench/run.sh (not a load generator: wrk does the measured load, except for the raw point-read
// baseline, which has no HTTP front to point wrk at).
//   seed <baseUrl> <adminKey> <outDir> <tenants> <keysPerTenant>
//   lifecycle-seed <connectionString> <tenantsFile> <stored> <due>
//   point-reads <connectionString> <concurrency> <seconds>
//   storage-latency <connectionString> <samples>
//   present <baseUrl> <keysFile> <concurrency>
using ServerlessAuth.Bench;

return args.FirstOrDefault() switch
{
    "seed" when args.Length == 6 => await HttpSeeder.RunAsync(new Uri(args[1]), args[2], args[3], int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture)),
    "lifecycle-seed" when args.Length == 5 => await LifecycleSeeder.RunAsync(args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture)),
    "point-reads" when args.Length == 4 => await PointReads.RunAsync(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture)),
    "storage-latency" when args.Length == 3 => await StorageLatency.RunAsync(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture)),
    "present" when args.Length == 4 => await KeyPresenter.RunAsync(new Uri(args[1]), args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: seed <baseUrl> <adminKey> <outDir> <tenants> <keysPerTenant> | lifecycle-seed <connectionString> <tenantsFile> <stored> <due> | point-reads <connectionString> <concurrency> <seconds> | storage-latency <connectionString> <samples> | present <baseUrl> <keysFile> <concurrency>");
    return 2;
}
