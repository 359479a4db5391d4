import Logging
import LurcherConfiguration
import ZeroMQ

/// The ZAP handler (ZeroMQ RFC 27) of the dispatcher's ZeroMQ context: libzmq asks it, for each CURVE handshake
/// on a handler's socket, whether the peer's public key may connect. The socket's ZAP domain is the handler's
/// name, so each handler has its own list (`curve_allowed_clients`).
///
/// A refused peer gets nothing: libzmq drops the connection before any message passes either way, so it can
/// neither read requests nor send replies. Each refused key is logged once, and every refusal is counted per
/// handler (`ctl status`'s `curveRefused`). Handshakes of other mechanisms (the NULL of handlers without CURVE,
/// which a CURVE socket never accepts) are let through. Runs on the dispatch thread.
final class CurveAuthenticator {
    /// Where libzmq looks for a context's ZAP handler.
    static let endpoint = "inproc://zeromq.zap.01"

    private let socket: ZMQSocket
    private let logger: Logger
    private var allowed: [String: Set<String>]
    private(set) var refused: [String: Int] = [:]
    private var logged: Set<String> = []

    /// Binds the ZAP endpoint in `zmq`, allowing each handler in `handlers` (by name) its list of public keys.
    init(allowed: [String: [String]], zmq: ZMQContext, loop: ZMQLoop, logger: Logger) throws {
        self.allowed = allowed.mapValues(Set.init)
        self.logger = logger
        socket = try ZMQSocket(context: zmq, type: .rep)
        try socket.setLinger(.zero)
        try socket.bind(Self.endpoint)
        loop.register(socket, interest: .readable) { [unowned self] _, _ in answerRequests() }
    }

    /// Replaces a handler's allowed keys (a reload); handshakes from then on use them.
    func allow(_ keys: [String], handler: String) {
        allowed[handler] = Set(keys)
    }

    private func answerRequests() {
        while let request = try? socket.receiveMultipart(dontWait: true) {
            _ = try? socket.send(parts: reply(to: request))
        }
    }

    /// The reply to one ZAP request: version, request id, domain, address, routing id, mechanism, credentials.
    private func reply(to request: [[UInt8]]) -> [[UInt8]] {
        guard request.count >= 6, request[0] == Array("1.0".utf8) else {
            return [Array("1.0".utf8), request.count > 1 ? request[1] : [], Array("500".utf8), Array("bad request".utf8), [], []]
        }
        let domain = String(decoding: request[2], as: UTF8.self)
        let mechanism = String(decoding: request[5], as: UTF8.self)
        var status = "200"
        if mechanism == "CURVE" {
            let key = request.count > 6 ? ZMQCurve.z85(request[6]) : nil
            if let key, allowed[domain]?.contains(key) == true {
                status = "200"
            } else {
                status = "400"
                refused[domain, default: 0] += 1
                let address = String(decoding: request[3], as: UTF8.self)
                if logged.insert(key ?? address).inserted {
                    logger.warning(
                        "refused a handler peer whose CURVE key is not allowed",
                        metadata: ["handler": "\(domain)", "address": "\(address)", "key": "\(key ?? "?")"])
                }
            }
        }
        return [Array("1.0".utf8), request[1], Array(status.utf8), Array((status == "200" ? "OK" : "key not allowed").utf8), [], []]
    }
}
