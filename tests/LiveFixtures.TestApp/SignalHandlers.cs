using System.Runtime.InteropServices;

namespace LiveFixtures.TestApp;

/// <summary>Handles SIGTERM and SIGINT in place of the host's console lifetime, so each option can change them.</summary>
internal sealed class SignalHandlers : IDisposable
{
    private readonly PosixSignalRegistration _sigterm;
    private readonly PosixSignalRegistration _sigint;
    private readonly TestAppOptions _options;
    private readonly IHostApplicationLifetime _lifetime;
    private int _slowShutdownStarted;

    public SignalHandlers(TestAppOptions options, IHostApplicationLifetime lifetime)
    {
        _options = options;
        _lifetime = lifetime;
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSigterm);
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            _lifetime.StopApplication();
        });
    }

    public void Dispose()
    {
        _sigterm.Dispose();
        _sigint.Dispose();
    }

    private void OnSigterm(PosixSignalContext context)
    {
        context.Cancel = true;
        if (_options.IgnoreSigterm)
        {
            Console.WriteLine("SIGTERM ignored");
        }
        else if (_options.SlowShutdownMs is { } delayMs)
        {
            if (Interlocked.Exchange(ref _slowShutdownStarted, 1) == 0)
            {
                Console.WriteLine($"shutting down slowly ({delayMs} ms)");
                _ = Task.Run(async () =>
                {
                    await Task.Delay(delayMs);
                    _lifetime.StopApplication();
                });
            }
        }
        else
        {
            _lifetime.StopApplication();
        }
    }
}
