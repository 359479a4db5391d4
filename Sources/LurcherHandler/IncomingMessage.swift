/// A message from the gateway, handed from the loop thread to the responder tasks.
enum IncomingMessage: Sendable {
    /// A request: it counts against ``HandlerSettings/maxConcurrentRequests``
    /// until ``HandlerTransport/finish(requestID:last:loop:)``. The id is the
    /// broker's (nil in push mode).
    case request([UInt8], id: UInt64?)
    /// An event such as a disconnect (path `@*`).
    case event([UInt8])
}

extension IncomingMessage {
    /// Whether the message's path, its third word, is `@*`: decoding waits for the responder task.
    static func isEvent(_ message: [UInt8]) -> Bool {
        let space = UInt8(ascii: " ")
        guard let first = message.firstIndex(of: space),
            let second = message[(first + 1)...].firstIndex(of: space),
            message.count > second + 3
        else { return false }
        return message[second + 1] == UInt8(ascii: "@") && message[second + 2] == UInt8(ascii: "*")
            && message[second + 3] == space
    }

    /// The sender and connection id at the front of a request, read without
    /// decoding the rest, so a request can be tracked before its task runs.
    static func addressee(of message: [UInt8]) -> (sender: String, connectionID: UInt64)? {
        let space = UInt8(ascii: " ")
        guard let first = message.firstIndex(of: space), first > 0,
            let second = message[(first + 1)...].firstIndex(of: space), second > first + 1
        else { return nil }
        var id: UInt64 = 0
        for byte in message[(first + 1)..<second] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = id.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            id = sum
        }
        return (String(decoding: message[..<first], as: UTF8.self), id)
    }
}
