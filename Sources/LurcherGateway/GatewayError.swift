/// Why the gateway could not start.
public enum GatewayError: Error, CustomStringConvertible {
    /// A handler's ZeroMQ endpoint could not be bound.
    case cannotBind(handler: String, key: String, underlying: String)
    /// A listening socket (`key`: `server.listen` or `tls.listen`) could not be bound.
    case cannotListen(key: String, address: String, underlying: String)
    /// A certificate, key or CA file named in the configuration cannot be used.
    case tls(TLSSetupError)

    public var description: String {
        switch self {
        case .cannotBind(let handler, let key, let underlying):
            "handlers.\(handler).\(key): \(underlying). Fix: stop whatever holds that endpoint, or choose another in the configuration"
        case .cannotListen(let key, let address, let underlying):
            "\(key) \(address): \(underlying). Fix: stop whatever holds that port, or choose another in the configuration"
        case .tls(let error): "\(error)"
        }
    }
}
