import LurcherGateway
import LurcherOperations
import LurcherSupervisor

/// The handler pools: spawned when the group starts, stopped once the gateway has drained.
struct SupervisorService: StagedService {
    let supervisor: Supervisor
    let gateway: Gateway
    let operations: Operations
    /// What each process gets to finish its work once asked to stop, before it is killed.
    let timeout: Duration
    let lifecycle: StartLifecycle

    func start() async throws {
        do {
            try await supervisor.start { [gateway] event in
                operations.publish(LogEvent(event))
                if case .processExited(let pool, let pid, _, let expected) = event {
                    gateway.handlerProcessExited(handler: pool, processID: pid, stopped: expected)
                }
            }
        } catch {
            // Some pools may be running already; nothing will stop them once this service has thrown.
            await supervisor.killAll()
            throw error
        }
    }

    func stop(_: Void, now: Bool) async {
        if now {
            await supervisor.killAll()
        } else {
            await supervisor.stopAll(timeout: timeout)
        }
    }
}
