import LurcherConfiguration
import NIOHTTP1

/// A request for a proxy route, decided from its head: where it goes and the head it goes with. Its body, if it
/// has one, follows as the client sends it, no faster than the backend takes it (see ``ProxyExchange``).
struct ProxyRequest {
    /// How the body reaches the backend: as the client framed it, since the front end has checked that framing.
    enum BodyFraming: Equatable {
        case none
        case length(UInt64)
        case chunked
    }

    var backend: ProxyTarget
    /// The head as the backend gets it (``ProxyRequestHead``).
    var head: HTTPRequestHead
    var framing: BodyFraming
    /// The client asked to switch protocols (a WebSocket): after a 101 the two connections are spliced.
    var upgrade: Bool
    /// The response is to HEAD, so it has no body whatever its headers say.
    var isHead: Bool
    /// The client spoke HTTP/1.1, so a response of unknown length can be chunked for it; an HTTP/1.0 client gets
    /// such a response delimited by the close.
    var clientTakesChunked: Bool
}

/// A proxy route's backend as the router resolves it: its configuration, and the counters its metrics show.
struct ProxyTarget: Sendable {
    var configuration: ProxyRouteConfiguration
    var counters: ProxyBackendCounters
}
