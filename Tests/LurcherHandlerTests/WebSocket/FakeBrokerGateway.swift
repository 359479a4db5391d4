import LurcherProtocol
import ZeroMQ

/// The gateway's side of broker mode, enough to drive a real ``HandlerConnection`` without a gateway: a ROUTER
/// that sends REQUESTs and reads what the handler answers, heartbeats left out. Receives poll without blocking, so
/// the handler's tasks keep the cooperative threads.
final class FakeBrokerGateway {
    let context = ZMQContext()
    let router: ZMQSocket
    let endpoint: String
    private var handlerID: [UInt8] = []
    /// Whether LEFT has been sent, after which the handler says nothing more.
    private(set) var saidLeft = false

    init() throws {
        router = try ZMQSocket(context: context, type: .router)
        try router.setLinger(.zero)
        try router.bind("tcp://127.0.0.1:*")
        endpoint = try router.lastEndpoint
    }

    deinit { router.close() }

    /// The next message from the handler that is not a heartbeat; nil after `timeout`.
    func next(timeout: Duration = .seconds(20)) async throws -> BrokerMessage? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let frames = try router.receiveMultipart(dontWait: true) {
                handlerID = frames[0]
                let message = try BrokerMessage(frames: Array(frames.dropFirst()))
                if message != .heartbeat { return message }
            } else {
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        return nil
    }

    func send(_ message: BrokerMessage) throws {
        _ = try router.send(parts: [handlerID] + message.frames)
        if message == .left { saidLeft = true }
    }

    /// A Mongrel2 request message from connection 7 of sender `S` to path `/ws`, with JSON headers.
    static func request(_ headers: [String: String], body: [UInt8] = [], connection: UInt64 = 7) -> [UInt8] {
        let fields = headers.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }
        let json = "{\"PATH\":\"/ws\"," + fields.joined(separator: ",") + "}"
        return Array("S \(connection) /ws \(json.utf8.count):\(json),\(body.count):".utf8) + body + [UInt8(ascii: ",")]
    }

    /// The handshake as the gateway forwards it: its body is RFC 6455's example accept value.
    static func handshake(connection: UInt64 = 7, protocols: String? = nil) -> [UInt8] {
        var headers = ["METHOD": "WEBSOCKET_HANDSHAKE", "upgrade": "websocket", "connection": "Upgrade"]
        headers["sec-websocket-protocol"] = protocols
        return request(headers, body: Array("s3pPLMBiTxaQ9kxGjxKQE0P+sbQ=".utf8), connection: connection)
    }

    /// One WebSocket message as the gateway forwards it.
    static func frame(_ flags: String, _ payload: [UInt8], connection: UInt64 = 7) -> [UInt8] {
        request(["METHOD": "WEBSOCKET", "FLAGS": flags], body: payload, connection: connection)
    }

    /// A reply payload to connection 7 of sender `S`.
    static func reply(_ body: [UInt8], to connection: UInt64 = 7) -> [UInt8] {
        Array("S \(String(connection).utf8.count):\(connection), ".utf8) + body
    }
}
