/// What a `Range` header asks of a file of a given size (RFC 9110, 14.2).
enum ByteRangeRequest: Equatable {
    /// One satisfiable range: send `range` with 206.
    case single(ClosedRange<Int>)
    /// Several ranges, at least one satisfiable: the whole file is sent with 200. A multipart/byteranges
    /// answer is allowed but not required (RFC 9110, 14.2), and whole is what every client accepts.
    case several
    /// No range overlaps the file: 416 with `Content-Range: bytes */SIZE`.
    case unsatisfiable
    /// Not a valid byte range (or another unit): the header is ignored, as RFC 9110 says.
    case ignored

    /// Reads `header` against a file of `size` bytes.
    init(header: String, size: Int) {
        let text = Substring(header)
        guard text.count > 6, text.prefix(6).lowercased() == "bytes=" else {
            self = .ignored
            return
        }
        var ranges: [ClosedRange<Int>] = []
        var specCount = 0
        for element in text.dropFirst(6).split(separator: ",") {
            let spec = element.filter { $0 != " " && $0 != "\t" }
            if spec.isEmpty { continue }  // empty list elements are allowed (RFC 9110, 5.6.1)
            guard let dash = spec.firstIndex(of: "-") else {
                self = .ignored
                return
            }
            let first = spec[..<dash], last = spec[spec.index(after: dash)...]
            specCount += 1
            switch (Self.number(first), Self.number(last)) {
            case (let start?, nil) where last.isEmpty:
                if start < size { ranges.append(start...(size - 1)) }
            case (let start?, let end?):
                guard start <= end else {
                    self = .ignored
                    return
                }
                if start < size { ranges.append(start...min(end, size - 1)) }
            case (nil, let suffix?) where first.isEmpty:
                if suffix > 0, size > 0 { ranges.append(max(0, size - suffix)...(size - 1)) }
            default:
                self = .ignored
                return
            }
        }
        if specCount == 0 {
            self = .ignored
        } else if ranges.isEmpty {
            self = .unsatisfiable
        } else {
            self = specCount == 1 ? .single(ranges[0]) : .several
        }
    }

    /// A run of ASCII digits as a number; one too large for Int is Int.max, which is past any file.
    private static func number(_ digits: Substring) -> Int? {
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(digits) ?? Int.max
    }
}
