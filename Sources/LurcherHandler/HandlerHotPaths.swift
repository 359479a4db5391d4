internal import LurcherProtocol

/// The handler library's work for each request, without sockets or tasks, for the micro benchmarks
/// (`Benchmarks/HotPaths`, run by `bench/micro`): the calls ``HandlerConnection/run(onDisconnect:_:)`` makes
/// before and after the responder.
///
/// `package`, not public: it is a measuring seam for this package's own benchmarks, not API.
package enum HandlerHotPaths {
    /// Decodes a request message into the ``Request`` a responder is given; nil when the message is malformed.
    package static func request(decoding message: [UInt8]) -> Request? {
        try? Request(WireRequest.decode(message))
    }

    /// The reply message that carries `response` to the connection `request` came from; nil for a streamed body,
    /// which goes out piece by piece instead.
    package static func replyMessage(_ response: Response, to request: Request) -> [UInt8]? {
        response.body.bytes.map {
            HandlerConnection.replyMessage(
                response, body: $0, head: request.isHead, to: [request.connectionID], sender: request.sender)
        }
    }
}
