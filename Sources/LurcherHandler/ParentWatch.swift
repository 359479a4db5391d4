import Logging
internal import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// Watches the gateway process (``HandlerSettings/parentProcessID``) from the loop thread, so a handler does not
/// outlive the gateway that spawned it.
final class ParentWatch {
    private let settings: HandlerSettings
    private let logger: Logger
    private var timer: ZMQLoop.TimerID?

    init(settings: HandlerSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Starts checking, if the settings name a parent; `onExit` runs once when it has gone.
    func start(loop: ZMQLoop, onExit: @escaping @Sendable () -> Void) {
        guard let parent = settings.parentProcessID else { return }
        // A process spawned by the gateway sees it as its parent, and a parent that has exited
        // is a zombie that kill(2) still finds, so watch getppid(); otherwise poll the pid.
        let isOurParent = getppid() == parent
        let isAlive: () -> Bool = isOurParent ? { getppid() == parent } : { kill(parent, 0) == 0 || errno != ESRCH }
        schedule(loop: loop, isAlive: isAlive, onExit: onExit)
    }

    func stop(loop: ZMQLoop) {
        if let timer { loop.cancel(timer) }
        timer = nil
    }

    private func schedule(loop: ZMQLoop, isAlive: @escaping () -> Bool, onExit: @escaping @Sendable () -> Void) {
        timer = loop.schedule(after: settings.parentCheckInterval) { [self] in
            timer = nil
            if isAlive() {
                schedule(loop: loop, isAlive: isAlive, onExit: onExit)
            } else {
                logger.warning("the gateway process has gone; stopping", metadata: ["parent_pid": "\(settings.parentProcessID ?? 0)"])
                onExit()
            }
        }
    }
}
