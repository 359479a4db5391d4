import LurcherConfiguration
import LurcherProtocol
import NIOCore

/// The request-parsing path without sockets, for the fuzz target `RequestFuzzer` (run by `bench/fuzz`).
///
/// `package`, not public: it is a test seam for this package's own fuzzer, not API.
package enum RequestParsingFuzzing {
    private static let router = Router(
        configuration: GatewayConfiguration(
            server: ServerConfiguration(defaultHost: "localhost"),
            hosts: [
                HostConfiguration(
                    name: "localhost",
                    routes: [
                        RouteConfiguration(pattern: "/", target: .directory(DirectoryConfiguration(base: "/nonexistent"))),
                        RouteConfiguration(pattern: "/app", target: .handler("app")),
                    ])
            ]),
        handlerIndex: ["app": 0])
    private static let handlers = [HandlerIdentity(sendIdent: Array("fuzz".utf8), encoding: .json)]
    private static let limits = Limits(maxURIBytes: 1024, maxHeaderBytes: 4096, maxHeaderCount: 32, maxBodyBytes: 65536)

    /// Feeds `input` to a new parser in two reads, split where the first byte says (so that every callback
    /// also sees its data cut across reads), then ends the input. Every request that reaches a handler must
    /// decode as a valid Mongrel2 message with valid JSON headers; anything else traps, which is a finding.
    package static func run(_ input: UnsafeRawBufferPointer) {
        let parser = HTTPRequestParser(
            connectionID: 1, remoteAddress: "127.0.0.1", router: RoutingTable(router), handlers: handlers, limits: limits)
        let split = input.isEmpty ? 0 : Int(input[0]) % (input.count + 1)
        var failed = false
        for piece in [input[..<split], input[split...]] where !failed {
            var remaining = ByteBuffer(bytes: piece)
            // A paused parser (too many pipelined requests) is drained and fed the rest, as the connection does.
            while !failed {
                switch parser.feed(remaining) {
                case .consumedAll:
                    remaining.clear()
                case .paused(let consumed):
                    remaining.moveReaderIndex(forwardBy: consumed)
                case .failed, .upgraded:
                    // After a WebSocket handshake the input is frames, which this parser never reads.
                    failed = true
                }
                check(parser)
                if remaining.readableBytes == 0 { break }
            }
        }
        if !failed { _ = parser.finish() }
        check(parser)
    }

    private static func check(_ parser: HTTPRequestParser) {
        while let request = parser.completed.popFirst() {
            let messages: [[UInt8]]
            switch request.disposition {
            case .handler(_, let message, let upload): messages = [upload?.startMessage, message].compactMap { $0 }
            case .webSocketHandshake(let message, _): messages = [message]
            // The fuzzed handler streams no uploads.
            case .directory, .reject, .streamedUpload, .proxy: continue
            }
            for bytes in messages {
                do {
                    _ = try WireRequest.decode(bytes)
                } catch {
                    fatalError("the gateway encoded a request a handler cannot decode: \(error)")
                }
            }
        }
    }
}
