import NIOCore

/// Follows the bytes written for one response, whoever wrote them (a handler, a file, a canned answer): how
/// many, the status code from the status line, and where the head ends.
///
/// Only the head is scanned, a byte at a time across however the writes split it; the body is only counted.
struct ResponseMeter {
    /// Every byte written so far.
    private(set) var bytes = 0
    /// The status code, once the status line's three digits have been written; 0 before.
    private(set) var status = 0
    /// Length of the head (status line, headers, blank line), once it has all been written.
    private var headLength: Int?
    private var statusDigits = 0
    /// How much of the `\r\n\r\n` that ends the head the last bytes matched.
    private var headEndMatched = 0

    /// Bytes of the body written so far.
    var bodyBytes: Int { headLength.map { bytes - $0 } ?? 0 }

    mutating func count(_ buffer: ByteBuffer) {
        if headLength == nil { buffer.withUnsafeReadableBytes { scan($0) } }
        bytes += buffer.readableBytes
    }

    /// Counts body bytes written without passing through memory (a file sent with sendfile).
    mutating func countBody(_ length: Int) {
        bytes += length
    }

    private mutating func scan(_ head: UnsafeRawBufferPointer) {
        for (offset, byte) in head.enumerated() {
            let position = bytes + offset
            // `HTTP/1.1 200 OK`: the code is at 9..<12.
            if (9..<12).contains(position), statusDigits == position - 9, (48...57).contains(byte) {
                status = status * 10 + Int(byte - 48)
                statusDigits += 1
            }
            if byte == (headEndMatched % 2 == 0 ? 13 : 10) {
                headEndMatched += 1
                if headEndMatched == 4 {
                    headLength = position + 1
                    return
                }
            } else {
                headEndMatched = byte == 13 ? 1 : 0
            }
        }
    }
}
