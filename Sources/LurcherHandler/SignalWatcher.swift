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

    private init(sources: sending [any DispatchSourceSignal], watched: [Int32]) {
        self.sources = Mutex(sources)
        self.watched = watched
    }

    /// Starts watching `signals` and returns once every source is registered;
    /// `onFirst` runs on a dispatch queue for the first signal.
    ///
    /// On Linux, libdispatch installs its own handler for the signal when the
    /// source is registered, which happens asynchronously. Ignoring the signal
    /// first (`SIG_IGN`), as Darwin's kqueue needs, would silently discard one
    /// that arrives before that, so there it is left alone: until then a
    /// signal takes its default action and ends the process, which has taken
    /// no work yet. Waiting for registration closes that window before any
    /// request is taken.
    static func start(signals: [Int32] = [SIGTERM, SIGINT], onFirst: @escaping @Sendable (Int32) -> Void) async -> SignalWatcher {
        let received = Atomic<Int>(0)
        var sources: [any DispatchSourceSignal] = []
        await withCheckedContinuation { (registered: CheckedContinuation<Void, Never>) in
            let pending = Atomic<Int>(signals.count)
            for number in signals {
                #if !os(Linux)
                signal(number, SIG_IGN)
                #endif
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setRegistrationHandler {
                    if pending.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { registered.resume() }
                }
                source.setEventHandler {
                    if received.add(1, ordering: .relaxed).newValue == 1 {
                        onFirst(number)
                    } else {
                        dieBy(number)
                    }
                }
                source.resume()
                sources.append(source)
            }
        }
        return SignalWatcher(sources: sources, watched: signals)
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
