import Logging
import LurcherConfiguration
import LurcherGateway
import LurcherOperations
import LurcherSupervisor
import NIOPosix

/// The admin listener for `/metrics` and `/health`, when the configuration has one. It stops after the pools, so
/// it can be scraped, and says it is draining, while they drain.
struct AdminService: StagedService {
    let configuration: GatewayConfiguration
    let gateway: Gateway
    let supervisor: Supervisor
    let operations: Operations
    let logger: Logger
    let lifecycle: StartLifecycle

    func start() async throws -> AdminServer? {
        guard let settings = configuration.operations.admin, let metrics = operations.metrics else { return nil }
        let admin = try await AdminServer.start(
            configuration: settings, group: MultiThreadedEventLoopGroup.singleton, metrics: metrics
        ) { [gateway, supervisor, operations] in
            await OperationsSnapshot(gateway: gateway, supervisor: supervisor, operations: operations)
        } draining: { [gateway] in
            gateway.isDraining
        }
        logger.info("metrics on http://\(admin.localAddress.ipAddress ?? "?"):\(admin.localAddress.port ?? 0)/metrics")
        return admin
    }

    func stop(_ admin: AdminServer?, now: Bool) async {
        await admin?.close()
    }
}
