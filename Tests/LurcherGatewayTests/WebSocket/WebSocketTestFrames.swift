@testable import LurcherGateway

/// Client frames for the reader's tests: masked as a client must, with the server encoder's length forms.
enum ClientFrame {
    static let mask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]

    /// One masked client frame whose first byte is `first`.
    static func masked(_ first: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let maskedPayload = payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        var frame = WebSocketFrame.encode(flags: first, payload: maskedPayload)
        let headerLength = frame.count - payload.count
        frame[1] |= 0x80
        frame.insert(contentsOf: mask, at: headerLength)
        return frame
    }

    static func masked(_ first: UInt8, _ text: String) -> [UInt8] { masked(first, Array(text.utf8)) }
}
