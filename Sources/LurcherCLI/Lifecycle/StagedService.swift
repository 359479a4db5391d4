import ServiceLifecycle

/// A part of `lurcher start` that starts, runs until the group shuts down, then stops.
///
/// The `ServiceGroup` tells its services to shut down one at a time, in the reverse of their order, each
/// once the one after it has returned: so the order of the group's services is the stop order, written once
/// (see `Start.services`).
protocol StagedService: Service {
    /// What ``start()`` made that ``stop(_:now:)`` needs.
    associatedtype Running: Sendable = Void

    var lifecycle: StartLifecycle { get }

    /// Starts the part. A throw ends the group: the parts already started are stopped in order.
    func start() async throws -> Running

    /// Stops the part.
    /// - Parameter now: stop at once (SIGQUIT, or the group's maximum shutdown duration passed) instead of
    ///   letting work in hand finish.
    func stop(_ running: Running, now: Bool) async throws
}

extension StagedService {
    func run() async throws {
        let running = try await start()
        lifecycle.started()
        // Thrown when the group is cancelled, which only happens once its maximum shutdown duration has passed.
        let graceful = (try? await gracefulShutdown()) != nil
        try await stop(running, now: !graceful || lifecycle.stopsNow)
    }
}

extension StagedService where Running == Void {
    func start() async throws {}
}
