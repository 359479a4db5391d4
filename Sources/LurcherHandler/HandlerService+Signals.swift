import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

extension HandlerService {
    /// Runs the service in a group of its own that shuts it down gracefully on SIGTERM or SIGINT; a second
    /// one ends the process at once, by the same signal. Afterwards the signals have their default action again.
    func runUntilSignalled(logger: Logger) async throws {
        // Registered before the group starts the service, so no signal can find work in hand and no handler.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: self, successTerminationBehavior: .gracefullyShutdownGroup)], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { [connection] in
                var received = false
                for await signal in signals {
                    if received { dieBy(signal.rawValue) }
                    received = true
                    // First, so that the log names the signal rather than the group's shutdown.
                    connection.stop(.signal(signal.rawValue))
                    await group.triggerGracefulShutdown()
                }
            }
            defer { tasks.cancelAll() }
            try await group.run()
        }
        for number in [SIGTERM, SIGINT] { signal(number, SIG_DFL) }
    }
}

/// Ends the process by `number` with its default action, as if it had not been caught.
private func dieBy(_ number: Int32) -> Never {
    signal(number, SIG_DFL)
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, number)
    // libdispatch blocks caught signals in the threads that see them; a blocked signal would only pend.
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
    raise(number)
    _exit(128 + number)
}

/// A signal's name for log lines.
func signalName(_ number: Int32) -> String {
    switch number {
    case SIGTERM: "SIGTERM"
    case SIGINT: "SIGINT"
    default: "signal \(number)"
    }
}
