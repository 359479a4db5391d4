/// One message of broker mode, between the gateway's ROUTER and a handler's DEALER socket.
///
/// Every message is a few ZeroMQ frames: the command's name in ASCII, then its arguments. Numbers are ASCII
/// decimal. Request and reply payloads are the same Mongrel2 bytes as in push mode. (On the gateway's side the
/// ROUTER adds and strips the handler's routing id in front; neither side sends an empty delimiter frame.)
/// `docs/PROTOCOL.md` is the reference for handlers in other languages.
public enum BrokerMessage: Sendable, Equatable {
    // From a handler to the gateway.

    /// The handler is up and takes up to `concurrency` requests at once. `processID` lets the gateway notice at
    /// once when that process exits. Frames: `READY`, concurrency, optional pid.
    case ready(concurrency: Int, processID: Int32?)
    /// Some payload for connections, in Mongrel2 reply form (`SENDER LEN:IDS, BODY`). When `finishing` is set,
    /// this is the last message for that request and frees its place. Frames: `REPLY`, payload, optional request id.
    case reply(payload: [UInt8], finishing: UInt64?)
    /// The request is finished without a final payload (answered earlier, or deliberately not at all).
    /// Frames: `DONE`, request id.
    case done(requestID: UInt64)
    /// The handler is stopping: send it nothing new; it finishes what it holds. Frames: `LEAVING`.
    case leaving

    // From the gateway to a handler.

    /// A request to answer. Frames: `REQUEST`, request id, payload.
    case request(requestID: UInt64, payload: [UInt8])
    /// A Mongrel2 event, such as a client's disconnect notice. Frames: `EVENT`, payload.
    case event(payload: [UInt8])
    /// The answer to `LEAVING`: no request will follow it. Frames: `LEFT`.
    case left
    /// The gateway does not know this handler (it restarted, or gave the handler up for silent): reconnect with a
    /// new socket and say `READY` again. Frames: `DISCONNECT`.
    case disconnect

    // Both ways.

    /// I am alive. Any message counts as a sign of life; this one is sent when there is nothing else to say.
    /// Frames: `HEARTBEAT`.
    case heartbeat

    /// The message as ZeroMQ frames.
    public var frames: [[UInt8]] {
        switch self {
        case .ready(let concurrency, let processID):
            var frames = [Self.word("READY"), Self.number(concurrency)]
            if let processID { frames.append(Self.number(processID)) }
            return frames
        case .reply(let payload, let finishing):
            var frames = [Self.word("REPLY"), payload]
            if let finishing { frames.append(Self.number(finishing)) }
            return frames
        case .done(let requestID): return [Self.word("DONE"), Self.number(requestID)]
        case .leaving: return [Self.word("LEAVING")]
        case .request(let requestID, let payload): return [Self.word("REQUEST"), Self.number(requestID), payload]
        case .event(let payload): return [Self.word("EVENT"), payload]
        case .left: return [Self.word("LEFT")]
        case .disconnect: return [Self.word("DISCONNECT")]
        case .heartbeat: return [Self.word("HEARTBEAT")]
        }
    }

    /// Reads a message from its frames (without the ROUTER's routing id).
    /// - Throws: ``ProtocolError/malformed(_:)`` naming the unknown command or the bad argument.
    public init(frames: [[UInt8]]) throws(ProtocolError) {
        guard let command = frames.first else { throw .malformed("broker message has no frames") }
        let arguments = frames.dropFirst()
        func count(_ allowed: ClosedRange<Int>) throws(ProtocolError) {
            guard allowed.contains(arguments.count) else {
                throw .malformed(
                    "broker command \(ProtocolError.excerpt(command)) takes \(allowed.lowerBound)...\(allowed.upperBound) arguments, got \(arguments.count)")
            }
        }
        switch String(decoding: command, as: UTF8.self) {
        case "READY":
            try count(1...2)
            let concurrency: Int = try Self.parse(arguments[1], "concurrency")
            guard concurrency > 0 else { throw .malformed("READY concurrency must be at least 1") }
            self = .ready(concurrency: concurrency, processID: arguments.count == 2 ? try Self.parse(arguments[2], "pid") : nil)
        case "REPLY":
            try count(1...2)
            self = .reply(payload: arguments[1], finishing: arguments.count == 2 ? try Self.parse(arguments[2], "request id") : nil)
        case "DONE":
            try count(1...1)
            self = .done(requestID: try Self.parse(arguments[1], "request id"))
        case "LEAVING":
            try count(0...0)
            self = .leaving
        case "REQUEST":
            try count(2...2)
            self = .request(requestID: try Self.parse(arguments[1], "request id"), payload: arguments[2])
        case "EVENT":
            try count(1...1)
            self = .event(payload: arguments[1])
        case "LEFT":
            try count(0...0)
            self = .left
        case "DISCONNECT":
            try count(0...0)
            self = .disconnect
        case "HEARTBEAT":
            try count(0...0)
            self = .heartbeat
        default:
            throw .malformed("unknown broker command \(ProtocolError.excerpt(command))")
        }
    }

    private static func word(_ text: StaticString) -> [UInt8] {
        Array(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private static func number(_ value: some BinaryInteger) -> [UInt8] {
        Array(String(value).utf8)
    }

    private static func parse<Number: FixedWidthInteger>(_ frame: [UInt8], _ what: String) throws(ProtocolError) -> Number {
        guard let value = Number(String(decoding: frame, as: UTF8.self)), value >= 0 else {
            throw .malformed("\(what) \(ProtocolError.excerpt(frame)) is not a decimal number")
        }
        return value
    }
}
