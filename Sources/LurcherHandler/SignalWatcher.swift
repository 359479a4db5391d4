import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGTERM and SIGINT into a graceful shutdown; a second one ends the
/// process at once, by the same signal.
final class SignalWatcher: Sendable {
    private let sources: Mutex<[any DispatchSourceSignal]>
    private let watched: [Int32]

    /// Starts watching `signals`; `onFirst` runs on a dispatch queue for the first one.
    init(signals: [Int32] = [SIGTERM, SIGINT], onFirst: @escaping @Sendable (Int32) -> Void) {
        let received = Atomic<Int>(0)
        var sources: [any DispatchSourceSignal] = []
        for number in signals {
            // The default action would kill the process before the source sees the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if received.add(1, ordering: .relaxed).newValue == 1 {
                    onFirst(number)
                } else {
                    signal(number, SIG_DFL)
                    kill(getpid(), number)
                }
            }
            source.resume()
            sources.append(source)
        }
        self.sources = Mutex(sources)
        watched = signals
    }

    /// Stops watching and gives the signals back their default action.
    func cancel() {
        let sources = self.sources.withLock { sources in
            defer { sources.removeAll() }
            return sources
        }
        for source in sources { source.cancel() }
        if !sources.isEmpty {
            for number in watched { signal(number, SIG_DFL) }
        }
    }
}

/// A signal's name for log lines.
func signalName(_ number: Int32) -> String {
    switch number {
    case SIGTERM: "SIGTERM"
    case SIGINT: "SIGINT"
    default: "signal \(number)"
    }
}
