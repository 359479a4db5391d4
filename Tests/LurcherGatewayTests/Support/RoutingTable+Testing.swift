import LurcherConfiguration

@testable import LurcherGateway

extension RoutingTable {
    /// The routes of one host, `localhost`, which is also the default host.
    static func localhost(_ routes: [RouteConfiguration], handlers: [String: Int]) -> RoutingTable {
        let configuration = GatewayConfiguration(
            server: ServerConfiguration(defaultHost: "localhost"), hosts: [HostConfiguration(name: "localhost", routes: routes)])
        return RoutingTable(Router(configuration: configuration, handlerIndex: handlers))
    }
}
