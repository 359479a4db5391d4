import LurcherConfiguration
import Synchronization

/// One backend's figures since the gateway started, for `ctl status` and the metrics. Every event loop's
/// connections to the backend count here, so the counters are atomic.
final class ProxyBackendCounters: Sendable {
    let name: String
    /// Requests passed to the backend, and those answered with the backend's own status.
    let requests = Atomic<Int>(0)
    let responses = Atomic<Int>(0)
    /// Requests the gateway answered 502 (no connection, or no usable response) or 504 (no answer in time).
    let badGateway = Atomic<Int>(0)
    let timedOut = Atomic<Int>(0)
    /// Responses the backend cut short by closing or breaking its connection after the head.
    let cutShort = Atomic<Int>(0)
    /// Connections opened, and requests sent on a connection kept from an earlier one.
    let connectionsOpened = Atomic<Int>(0)
    let connectionsReused = Atomic<Int>(0)
    /// Connections that are open now, idle ones included.
    let connectionsOpen = Atomic<Int>(0)
    /// Connections switched to another protocol (a WebSocket) and spliced to their clients.
    let upgrades = Atomic<Int>(0)

    init(name: String) { self.name = name }

    var status: GatewayStatus.ProxyBackend {
        GatewayStatus.ProxyBackend(
            name: name, requests: requests.load(ordering: .relaxed), responses: responses.load(ordering: .relaxed),
            badGateway: badGateway.load(ordering: .relaxed), timedOut: timedOut.load(ordering: .relaxed),
            cutShort: cutShort.load(ordering: .relaxed), connectionsOpened: connectionsOpened.load(ordering: .relaxed),
            connectionsReused: connectionsReused.load(ordering: .relaxed), connectionsOpen: connectionsOpen.load(ordering: .relaxed),
            upgrades: upgrades.load(ordering: .relaxed))
    }
}

/// Every backend's counters by name, kept across reloads, so a backend's figures go on when its routes change.
final class ProxyBackends: Sendable {
    private let byName = Mutex<[String: ProxyBackendCounters]>([:])

    init() {}

    /// The counters of `backend`, made the first time it is named.
    func counters(for backend: ProxyRouteConfiguration) -> ProxyBackendCounters {
        byName.withLock { table in
            if let counters = table[backend.name] { return counters }
            let counters = ProxyBackendCounters(name: backend.name)
            table[backend.name] = counters
            return counters
        }
    }

    /// Each backend's figures, by name.
    var statuses: [GatewayStatus.ProxyBackend] {
        byName.withLock { Array($0.values) }.map(\.status).sorted { $0.name < $1.name }
    }
}
