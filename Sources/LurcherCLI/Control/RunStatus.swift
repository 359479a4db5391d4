import LurcherSupervisor

/// This run of the gateway, for `lurcher ctl status`: its id, what its start ended of the run before, and the
/// reloads applied since.
struct RunStatus: Codable, Sendable, Equatable {
    /// The run's id, which every process it spawns carries in `LURCHER_GATEWAY_GENERATION`.
    var generation: String
    /// The id of the run recorded before this one, if there was one.
    var previousGeneration: String?
    /// How many processes left by that run this start ended.
    var endedFromPreviousRun: Int
    /// Configuration reloads applied since the start (`ctl reload` or SIGUSR2); rejected ones are not counted.
    var reloads: Int

    init(generation: GatewayGeneration, reloads: Int) {
        self.generation = generation.id
        previousGeneration = generation.previous?.generation
        endedFromPreviousRun = generation.previous?.ended ?? 0
        self.reloads = reloads
    }
}
