import Foundation

/// How a file request is to be answered once its preconditions and range are weighed.
enum FileAnswer: Equatable {
    /// 200 with the whole file.
    case whole
    /// 206 with these bytes.
    case partial(ClosedRange<Int>)
    /// 206 with these ranges as multipart/byteranges.
    case multipart([ClosedRange<Int>])
    /// 304: the client's copy is current.
    case notModified
    /// 412: a precondition the client set does not hold.
    case preconditionFailed
    /// 416: no requested range overlaps the file.
    case rangeNotSatisfiable
}

/// What identifies one version of a file: its entity tag and modification time.
struct FileValidators {
    /// The strong entity tag, with its quotes.
    var entityTag: String
    var lastModified: time_t
}

extension FileConditions {
    /// More ranges than this get the whole file instead: many small or overlapping ranges would cost far more
    /// to send than the file (RFC 9110, 14.2 lets a server ignore such a request).
    static let maximumRanges = 16

    /// Weighs the preconditions in the order RFC 9110 (13.2.2) gives, then the range (14.2). A HEAD gets the
    /// head its GET would get, range included, as nginx answers it.
    func answer(for file: FileValidators, size: Int) -> FileAnswer {
        if let ifMatch {
            guard Self.entityTags(ifMatch).contains(where: { $0 == "*" || Self.strongMatch($0, file.entityTag) }) else {
                return .preconditionFailed
            }
        } else if let ifUnmodifiedSince, let date = HTTPDate.parse(ifUnmodifiedSince), file.lastModified > date {
            return .preconditionFailed
        }
        if let ifNoneMatch {
            if Self.entityTags(ifNoneMatch).contains(where: { $0 == "*" || Self.weakMatch($0, file.entityTag) }) {
                return .notModified
            }
        } else if let ifModifiedSince, let date = HTTPDate.parse(ifModifiedSince), file.lastModified <= date {
            return .notModified
        }
        guard let range, ifRangeHolds(for: file) else { return .whole }
        switch ByteRangeRequest(header: range, size: size) {
        case .single(let bytes): return .partial(bytes)
        case .unsatisfiable: return .rangeNotSatisfiable
        case .several(let ranges): return ranges.count <= Self.maximumRanges ? .multipart(ranges) : .whole
        case .ignored: return .whole
        }
    }

    /// If-Range: an entity tag must match strongly, a date exactly (RFC 9110, 13.1.5).
    private func ifRangeHolds(for file: FileValidators) -> Bool {
        guard let ifRange = ifRange?.trimmingCharacters(in: .whitespaces) else { return true }
        if ifRange.hasPrefix("\"") || ifRange.hasPrefix("W/") { return Self.strongMatch(ifRange, file.entityTag) }
        return HTTPDate.parse(ifRange) == file.lastModified
    }

    /// The members of an If-Match or If-None-Match list; our tags never hold a comma.
    private static func entityTags(_ list: String) -> [String] {
        list.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func strongMatch(_ tag: String, _ ours: String) -> Bool {
        !tag.hasPrefix("W/") && tag == ours
    }

    private static func weakMatch(_ tag: String, _ ours: String) -> Bool {
        (tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag) == ours
    }
}
