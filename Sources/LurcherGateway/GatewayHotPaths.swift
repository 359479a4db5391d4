import LurcherConfiguration
import LurcherProtocol
import NIOCore

/// The gateway's work for each proxied request, without sockets, for the micro benchmarks (`Benchmarks/HotPaths`,
/// run by `bench/micro`). Each path makes the calls the connection and the dispatcher make, so that an allocation
/// or an instruction added to them shows without a network.
///
/// `package`, not public: it is a measuring seam for this package's own benchmarks, not API.
package enum GatewayHotPaths {
    /// One keep-alive connection's request parser, with `/hello` routed to a handler and no access log.
    package final class RequestParsing {
        private let parser: HTTPRequestParser

        /// - Parameter summarizing: keep each request's line for the access log, as a gateway that logs requests does.
        package init(summarizing: Bool = false) {
            let router = Router(
                configuration: GatewayConfiguration(
                    server: ServerConfiguration(defaultHost: "localhost"),
                    hosts: [
                        HostConfiguration(name: "localhost", routes: [RouteConfiguration(pattern: "/hello", target: .handler("hello"))])
                    ]),
                handlerIndex: ["hello": 0])
            parser = HTTPRequestParser(
                connectionID: 1, remoteAddress: "127.0.0.1", router: RoutingTable(router),
                handlers: [HandlerIdentity(sendIdent: Array("54c6755b-9628-40a4-9a2d-cc82a816345e".utf8), encoding: .json)],
                limits: Limits(), summarizes: summarizing)
        }

        /// Parses `request`, one whole request, and takes it as the connection does.
        /// - Returns: the Mongrel2 message the connection hands the dispatcher, or nil when the request did not go
        ///   to the handler.
        package func wireMessage(for request: ByteBuffer) -> [UInt8]? {
            guard parser.feed(request) == .consumedAll, let parsed = parser.completed.popFirst(),
                case .handler(_, let message, _) = parsed.disposition
            else { return nil }
            return message
        }
    }

    /// One connection's response parser, fed handler replies the way they reach it.
    package final class ReplyRelaying {
        private let responseParser = HTTPResponseParser()

        package init() {}

        /// Takes a handler's reply message: decodes its framing as the dispatcher does (`WireReply.decode`), copies
        /// the body into the buffer that goes to the connection's event loop, then resets the connection's response
        /// parser for a new request and follows the response to its end, part by part.
        /// - Returns: the length of the HTTP response, or nil when the reply is not one complete response.
        package func relay(_ message: [UInt8]) -> Int? {
            guard let reply = try? WireReply.decode(message), case .connections = reply.target else { return nil }
            let bytes = ByteBuffer(bytes: reply.body)
            responseParser.reset(answeringHead: false)
            var length = 0
            var ended = false
            responseParser.feed(bytes) { part in
                switch part {
                case .head(_, let bytes), .body(let bytes): length += bytes.readableBytes
                case .end: ended = true
                case .malformed: break
                }
            }
            return ended ? length : nil
        }
    }
}
