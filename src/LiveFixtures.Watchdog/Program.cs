using System.Reflection;
using System.Runtime.Loader;

// livefixtures watchdog launcher: LIVEFIXTURES_DLL [watchdog arguments...]
// Loads the host's LiveFixtures.dll (and, on demand, the assemblies beside it) and runs its watchdog, so that the
// watchdog is always the very version of the host that started it.
if (args.Length < 1 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("livefixtures-watchdog: the first argument must be the path of the test host's LiveFixtures.dll.");
    return 2;
}

var library = Path.GetFullPath(args[0]);
var directory = Path.GetDirectoryName(library)!;
AssemblyLoadContext.Default.Resolving += (context, name) =>
{
    var candidate = Path.Combine(directory, name.Name + ".dll");
    return File.Exists(candidate) ? context.LoadFromAssemblyPath(candidate) : null;
};

var entry = AssemblyLoadContext.Default.LoadFromAssemblyPath(library)
    .GetType("LiveFixtures.Watchdog.WatchdogProcess", throwOnError: true)!
    .GetMethod("Run", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!;
return (int)entry.Invoke(null, [args[1..]])!;
