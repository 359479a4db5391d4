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
    init(header: String, size: Int) {
        guard header.count > 6, header.prefix(6).lowercased() == "bytes=" else {
            self = .ignored
            return
        }
        let specs = header.dropFirst(6).split(separator: ",").map { $0.filter { $0 != " " && $0 != "\t" } }.filter { !$0.isEmpty }
        guard !specs.isEmpty else {
            self = .ignored
            return
        }
        let ranges = specs.compactMap { Self.range($0, size: size) }
        switch ranges.count {
        case 0: self = .unsatisfiable
        case 1: self = .single(ranges[0])
        default: self = .several(ranges)
        }
    }

    /// The bytes one range-spec (`first-last`, `first-` or `-suffix`) selects, or nil when it is invalid or
    /// starts past the end.
    private static func range(_ spec: String, size: Int) -> ClosedRange<Int>? {
        guard let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
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
    private static func number(_ digits: Substring) -> Int? {
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(digits) ?? Int.max
    }
}
