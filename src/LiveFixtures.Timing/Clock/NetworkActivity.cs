using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Tracing;

namespace LiveFixtures.Timing;

/// <summary>
/// Listens to the runtime's networking telemetry (the "System.Net.Http" event source) and tells each virtual clock's
/// flow when a request that its code started is in flight, so that advancing waits for real I/O instead of jumping
/// to a timeout while a response is on its way.
/// </summary>
/// <remarks>The events are written synchronously on the thread (and in the execution context) of the request, so the
/// request is attributed to the flow of the code that sent it.</remarks>
internal sealed class NetworkActivity : EventListener
{
    private static readonly Lock Gate = new();
    private static NetworkActivity? s_instance;

    /// <summary>Starts listening, once per process.</summary>
    public static void EnsureListening()
    {
        if (Volatile.Read(ref s_instance) is not null)
        {
            return;
        }

        lock (Gate)
        {
            s_instance ??= new NetworkActivity();
        }
    }

    /// <inheritdoc/>
    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "System.Net.Http")
        {
            EnableEvents(eventSource, EventLevel.Informational);
        }
    }

    /// <inheritdoc/>
    [SuppressMessage("Design", "CA1031", Justification = "A listener must never throw into the code that writes the event.")]
    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        try
        {
            if (ClockFlow.Of is not { } flow)
            {
                return;
            }

            switch (eventData.EventName)
            {
                case "RequestStart":
                    flow.IoStarted();
                    break;
                case "RequestStop":
                    flow.IoEnded();
                    break;
            }
        }
        catch (Exception)
        {
            // Telemetry is a help, never a failure.
        }
    }
}
