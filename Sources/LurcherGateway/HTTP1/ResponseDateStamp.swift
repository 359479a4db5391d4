import Foundation
import NIOCore

/// Gives a handler's response head a `Date` header when it has none, as nginx does: RFC 9110 (section 6.6.1) asks
/// an origin server with a clock to send one, and a handler in any language should not have to.
///
/// One per connection: the formatted line is kept for the second it names, so a keep-alive connection formats it
/// at most once a second.
struct ResponseDateStamp {
    private var second: time_t = -1
    private var line = ""

    /// `head` with a `Date` line before its final blank line, or nil when it has one already, or does not end in
    /// CRLF CRLF (left as the handler wrote it).
    mutating func stamped(_ head: ByteBuffer, now: time_t = time(nil)) -> ByteBuffer? {
        let needsDate = head.withUnsafeReadableBytes { bytes in
            bytes.count >= 4 && bytes[bytes.count - 4] == 13 && bytes[bytes.count - 3] == 10
                && bytes[bytes.count - 2] == 13 && bytes[bytes.count - 1] == 10 && !Self.hasDate(bytes)
        }
        guard needsDate else { return nil }
        if now != second {
            second = now
            line = "Date: \(HTTPDate.format(secondsSince1970: now))"
        }
        return ResponseHeadInsertion.inserting(line, into: head, headLength: head.readableBytes)
    }

    /// Whether a header line of `head` (after its status line) is named `date`, in any case.
    private static func hasDate(_ head: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while let newline = head[index...].firstIndex(of: 10) {
            index = newline + 1
            guard index + 5 <= head.count else { return false }
            if head[index] | 0x20 == UInt8(ascii: "d"), head[index + 1] | 0x20 == UInt8(ascii: "a"),
                head[index + 2] | 0x20 == UInt8(ascii: "t"), head[index + 3] | 0x20 == UInt8(ascii: "e"),
                head[index + 4] == UInt8(ascii: ":")
            {
                return true
            }
        }
        return false
    }
}
