/// A snapshot of one pool, for `lurcher ctl status`.
public struct PoolStatus: Sendable, Codable, Equatable {
    /// One process of the pool.
    public struct Process: Sendable, Codable, Equatable {
        public var pid: Int32
        /// `starting` (not yet connected to the gateway), `ready`, or `stopping`.
        public var state: String
        /// The pool generation it was started in; a rolling restart starts a new one.
        public var generation: Int
        public var uptimeSeconds: Double
    }

    public var name: String
    /// How many processes the pool is kept at.
    public var desired: Int
    public var minimum: Int
    public var maximum: Int
    public var generation: Int
    public var restarting: Bool
    /// True while processes keep exiting soon after they start; restarts are then backed off.
    public var crashLooping: Bool
    /// Unexpected exits since the gateway started.
    public var crashes: Int
    public var processes: [Process]
}
