import NIOCore

/// Adds a header line to a response head the gateway did not write (a handler's, or the file responder's), just
/// before the blank line that ends it.
enum ResponseHeadInsertion {
    /// `head`'s first `headLength` bytes are a whole response head; returns the bytes with `line` added, or nil
    /// when that head does not end in a blank line (CRLF CRLF, or the bare LF LF http_parser also accepts).
    static func inserting(_ line: String, into head: ByteBuffer, headLength: Int) -> ByteBuffer? {
        guard headLength >= 2, headLength <= head.readableBytes else { return nil }
        let start = head.readerIndex
        let lineEnd: String
        let insertAt: Int
        if headLength >= 4, head.getString(at: start + headLength - 4, length: 4) == "\r\n\r\n" {
            (lineEnd, insertAt) = ("\r\n", headLength - 2)
        } else if head.getString(at: start + headLength - 2, length: 2) == "\n\n" {
            (lineEnd, insertAt) = ("\n", headLength - 1)
        } else {
            return nil
        }
        var result = ByteBuffer()
        result.reserveCapacity(head.readableBytes + line.utf8.count + 2)
        result.writeImmutableBuffer(head.getSlice(at: start, length: insertAt)!)
        result.writeString(line)
        result.writeString(lineEnd)
        result.writeImmutableBuffer(head.getSlice(at: start + insertAt, length: head.readableBytes - insertAt)!)
        return result
    }
}
