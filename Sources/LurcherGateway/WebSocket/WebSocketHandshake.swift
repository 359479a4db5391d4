import Crypto
import Foundation

/// Whether a request asks for a WebSocket (RFC 6455, 4.2.1), and the accept value its handshake needs.
///
/// Mongrel2 hands the accept value to the handler as the `WEBSOCKET_HANDSHAKE` message's body, and the handler
/// writes the 101 itself; the gateway only decides and computes.
enum WebSocketHandshake {
    enum Verdict: Equatable {
        /// A WebSocket handshake: `accept` is its `Sec-WebSocket-Accept` value (28 bytes of base64).
        case upgrade(accept: [UInt8])
        /// A handshake for a version other than 13 (or none): answered 426 with `Sec-WebSocket-Version: 13`.
        case wrongVersion
        /// An ordinary request, which it stays.
        case notAnUpgrade
    }

    /// What `head` asks for: an upgrade is a GET with a host, `Upgrade: websocket` (any case), the token `upgrade`
    /// in `Connection` (any case, among comma-separated tokens) and a `Sec-WebSocket-Key`; then its version decides.
    static func verdict(for head: RequestHead) -> Verdict {
        guard head.method == .get, head.value(of: "host") != nil,
            head.string(of: "upgrade")?.lowercased() == "websocket", hasUpgradeToken(head),
            let key = head.value(of: "sec-websocket-key"), !key.isEmpty
        else { return .notAnUpgrade }
        guard let version = head.value(of: "sec-websocket-version"), version.elementsEqual("13".utf8) else {
            return .wrongVersion
        }
        return .upgrade(accept: acceptValue(forKey: key))
    }

    /// base64(SHA-1(key + the RFC 6455 GUID)). SHA-1 is what the RFC fixes here; it guards against nothing but
    /// a server that does not speak WebSocket, so its weakness does not matter.
    static func acceptValue(forKey key: some Collection<UInt8>) -> [UInt8] {
        let digest = Insecure.SHA1.hash(data: Array(key) + guid)
        return Array(Data(digest).base64EncodedString().utf8)
    }

    private static let guid = Array("258EAFA5-E914-47DA-95CA-C5AB0DC85B11".utf8)

    /// Whether the `Connection` fields list `upgrade` among their tokens ("keep-alive, Upgrade", say).
    private static func hasUpgradeToken(_ head: RequestHead) -> Bool {
        head.values(of: "connection").flatMap { $0.split(separator: UInt8(ascii: ",")) }
            .contains { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased() == "upgrade" }
    }
}
