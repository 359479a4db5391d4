import NIOCore

/// One piece of a file response's body: bytes made up by the gateway, or a range of the file (sent with
/// sendfile).
enum FileBodyPart {
    case bytes(ByteBuffer)
    case file(Range<Int>)

    var count: Int {
        switch self {
        case .bytes(let buffer): buffer.readableBytes
        case .file(let range): range.count
        }
    }
}

/// A multipart/byteranges body (RFC 9110, 14.6), laid out as nginx lays it out: each range after a
/// boundary line and its own Content-Type and Content-Range, then a closing boundary.
struct MultipartByteRanges {
    /// The response's Content-Type.
    let contentType: String
    let parts: [FileBodyPart]

    init(ranges: [ClosedRange<Int>], size: Int, contentType partType: String, boundary: String = Self.randomBoundary()) {
        contentType = "multipart/byteranges; boundary=\(boundary)"
        var parts: [FileBodyPart] = []
        for range in ranges {
            let header = "\r\n--\(boundary)\r\nContent-Type: \(partType)\r\nContent-Range: bytes \(range.lowerBound)-\(range.upperBound)/\(size)\r\n\r\n"
            parts.append(.bytes(ByteBuffer(string: header)))
            parts.append(.file(range.lowerBound..<(range.upperBound + 1)))
        }
        parts.append(.bytes(ByteBuffer(string: "\r\n--\(boundary)--\r\n")))
        self.parts = parts
    }

    /// Twenty decimal digits, as nginx uses; a file's bytes could hold it only by chance.
    static func randomBoundary() -> String {
        String(UInt64.random(in: 10_000_000_000_000_000_000...UInt64.max))
    }
}
