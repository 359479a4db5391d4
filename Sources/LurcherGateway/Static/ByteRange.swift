/// What a `Range` header asks of a file of a given size (RFC 9110, 14.2), read as nginx reads it.
enum ByteRangeRequest: Equatable {
    /// One satisfiable range: send `range` with 206.
    case single(ClosedRange<Int>)
    /// Several satisfiable ranges, in the order asked: a multipart/byteranges answer.
    case several([ClosedRange<Int>])
    /// No range overlaps the file, or none is valid: 416 with `Content-Range: bytes */SIZE`.
    case unsatisfiable
    /// Another unit than bytes, or no range at all: the header is ignored.
    case ignored

    /// Reads `header` against a file of `size` bytes. A range that is not valid (`5-1`, `abc`) satisfies
    /// nothing, as with nginx: alone it gets 416, beside a satisfiable one it is dropped. RFC 9110 lets a
    /// server ignore or reject an invalid range.
    ///
    /// One pass over the bytes, without a string per range: a hostile header may hold thousands of them.
    init(header: String, size: Int) {
        let bytes = Array(header.utf8)
        guard bytes.count > 6, bytes[..<6].elementsEqual("bytes=".utf8, by: { $0 | 0x20 == $1 }) else {
            self = .ignored
            return
        }
        var ranges: [ClosedRange<Int>] = []
        var specCount = 0
        var start = 6
        while start <= bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: ",")) ?? bytes.count
            let spec = bytes[start..<end].filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
            if !spec.isEmpty {  // empty list elements are allowed (RFC 9110, 5.6.1)
                specCount += 1
                if let range = Self.range(spec, size: size) { ranges.append(range) }
            }
            start = end + 1
        }
        if specCount == 0 {
            self = .ignored
        } else {
            switch ranges.count {
            case 0: self = .unsatisfiable
            case 1: self = .single(ranges[0])
            default: self = .several(ranges)
            }
        }
    }

    /// The bytes one range-spec (`first-last`, `first-` or `-suffix`) selects, or nil when it is invalid or
    /// starts past the end.
    private static func range(_ spec: [UInt8], size: Int) -> ClosedRange<Int>? {
        guard let dash = spec.firstIndex(of: UInt8(ascii: "-")) else { return nil }
        let first = spec[..<dash], last = spec[(dash + 1)...]
        switch (number(first), number(last)) {
        case (let start?, nil) where last.isEmpty:
            return start < size ? start...(size - 1) : nil
        case (let start?, let end?) where start <= end:
            return start < size ? start...min(end, size - 1) : nil
        case (nil, let suffix?) where first.isEmpty:
            return suffix > 0 && size > 0 ? max(0, size - suffix)...(size - 1) : nil
        default:
            return nil
        }
    }

    /// A run of ASCII digits as a number; one too large for Int is Int.max, which is past any file.
    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            value = overflow1 || overflow2 ? Int.max : sum
        }
        return value
    }
}
