import LurcherGateway

/// The gateway's connections, event loops and ZeroMQ transport. It is started before the group (the other
/// services are built around it), and stops after the pools, so that the replies of stopping handlers still
/// reach their clients.
struct GatewayService: StagedService {
    let gateway: Gateway
    let lifecycle: StartLifecycle

    func stop(_: Void, now: Bool) async throws {
        try await gateway.shutdown()
    }
}
