import Foundation

/// A handler's answer to a WebSocket handshake: accept it, with a subprotocol or none, or refuse it with an
/// ordinary HTTP response (after which the gateway closes the connection).
///
/// ```swift
/// shouldUpgrade: { request in
///     guard request.header("origin") == "https://example.com" else { return .reject(HTTPError(403).response) }
///     return .accept(subprotocols: ["chat.v2", "chat"])
/// }
/// ```
///
/// Throwing an ``HTTPError`` from `shouldUpgrade` refuses with its status too.
public struct WebSocketUpgrade: Sendable {
    enum Decision: Sendable {
        case accept(subprotocols: [String])
        case reject(Response)
    }

    let decision: Decision

    /// Accepts the handshake with no subprotocol.
    public static var accept: Self { .init(decision: .accept(subprotocols: [])) }

    /// Accepts the handshake, choosing the first subprotocol the client offers (`Sec-WebSocket-Protocol`) that
    /// is among `subprotocols`; none when it offers none of them. ``WebSocket/subprotocol`` tells which.
    public static func accept(subprotocols: [String]) -> Self { .init(decision: .accept(subprotocols: subprotocols)) }

    /// Refuses the handshake with `response`, such as `HTTPError(403).response`.
    public static func reject(_ response: Response) -> Self { .init(decision: .reject(response)) }
}

extension WebSocketUpgrade {
    /// The `METHOD` of the gateway's handshake message, whose body is the `Sec-WebSocket-Accept` value.
    static let handshakeMethod = "WEBSOCKET_HANDSHAKE"
    /// The `METHOD` of each later message of the connection.
    static let messageMethod = "WEBSOCKET"

    /// The first subprotocol `request` offers that is among `supported`.
    static func subprotocol(for request: Request, among supported: [String]) -> String? {
        let offered = request.headers.values("sec-websocket-protocol")
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        return offered.first { supported.contains($0) }
    }

    /// The whole 101 response, raw: Mongrel2 leaves it to the handler. Nil when the accept value is not the
    /// 28 base64 characters the gateway computes, so nothing a client sent can end up in the response head.
    static func switchingProtocols(accept: [UInt8], subprotocol: String?) -> [UInt8]? {
        guard accept.count == 28, accept.allSatisfy(isBase64) else { return nil }
        var head = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ".utf8)
        head += accept
        head += Array("\r\n".utf8)
        if let subprotocol { head += Array("Sec-WebSocket-Protocol: \(subprotocol)\r\n".utf8) }
        head += Array("\r\n".utf8)
        return head
    }

    private static func isBase64(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            true
        default: false
        }
    }
}
