/// Why the gateway could not start.
public enum GatewayError: Error, CustomStringConvertible {
    /// A handler's ZeroMQ endpoint could not be bound.
    case cannotBind(handler: String, key: String, underlying: String)
    /// The HTTP listening socket could not be bound.
    case cannotListen(address: String, underlying: String)

    public var description: String {
        switch self {
        case .cannotBind(let handler, let key, let underlying):
            "handlers.\(handler).\(key): \(underlying). Fix: stop whatever holds that endpoint, or choose another in the configuration"
        case .cannotListen(let address, let underlying):
            "server.listen \(address): \(underlying). Fix: stop whatever holds that port, or choose another in the configuration"
        }
    }
}
