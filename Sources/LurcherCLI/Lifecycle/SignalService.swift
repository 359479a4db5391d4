import Foundation
import Logging
import LurcherOperations
import LurcherSupervisor
import ServiceLifecycle
import UnixSignals

/// Acts on the signals `lurcher start` takes besides SIGTERM and SIGINT, which the `ServiceGroup` itself turns
/// into a graceful shutdown.
///
/// SIGHUP restarts every pool, one process at a time; SIGTTIN and SIGTTOU add or remove one process in every
/// pool; SIGUSR1 reopens the access log; SIGUSR2 reloads the configuration. SIGQUIT ends this service, which
/// shuts the group down at once (see ``StartLifecycle/stopNow()``). It is the last service in the group, so the
/// first told to stop: no signal starts a restart or a reload once the gateway is on its way down.
struct SignalService: Service {
    let supervisor: Supervisor
    let operations: Operations
    let reloader: ConfigurationReloader
    let logger: Logger
    let lifecycle: StartLifecycle

    func run() async throws {
        // Both are registered before the service counts as started.
        let signals = await UnixSignalsSequence(trapping: .sighup, .sigusr1, .sigusr2, .sigquit)
        let scaling = ScalingSignals()
        lifecycle.started()
        let quit = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await signal in scaling.stream.cancelOnGracefulShutdown() {
                    _ = try? await supervisor.scale(nil, to: .relative(signal == SIGTTIN ? 1 : -1), clamp: true)
                }
                return false
            }
            group.addTask {
                for await signal in signals.cancelOnGracefulShutdown() {
                    if signal == .sigquit { return true }
                    act(on: signal)
                }
                return false
            }
            // Both loops end when the group shuts down; the second one alone on SIGQUIT.
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
        if quit {
            logger.info("stopping now", metadata: ["signal": "SIGQUIT"])
            lifecycle.stopNow()
        } else {
            logger.info("stopping")
        }
    }

    private func act(on signal: UnixSignal) {
        switch signal {
        case .sighup:
            Task {
                do {
                    _ = try await supervisor.restart(nil)
                } catch {
                    logger.error("rolling restart failed", metadata: ["error": "\(error)"])
                }
            }
        case .sigusr1:
            operations.accessLog?.reopen()
        case .sigusr2:
            // Errors are logged and published by the reloader.
            Task { _ = try? await reloader.reload() }
        default:
            break
        }
    }
}
