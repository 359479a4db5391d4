/// A URL path below a Dir route, checked and turned into a file path that cannot leave the base directory.
struct StaticPath: Equatable {
    /// The route's base directory, without a trailing slash.
    var base: String
    /// The file below the base, without a leading slash; never empty, never with `.` or `..` segments.
    var relativePath: String
    /// True when the URL named a directory (ended in `/`), so the index file was appended.
    var namesDirectory: Bool
    /// The file to open.
    var filePath: String { base + "/" + relativePath }
    /// Its last component, for the MIME type.
    var fileName: Substring { relativePath[(relativePath.lastIndex(of: "/").map { relativePath.index(after: $0) } ?? relativePath.startIndex)...] }

    /// Percent-decodes `relativePath` and resolves it under `base`. Returns nil for anything that could
    /// escape the base directory (`..` segments, also when percent-encoded), NUL bytes, or bad encoding.
    static func resolve(_ relativePath: [UInt8], base: String, indexFile: String) -> StaticPath? {
        guard let decoded = percentDecode(relativePath), !decoded.contains(0) else { return nil }
        var segments: [String] = []
        for segment in decoded.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            guard let name = String(validating: segment, as: UTF8.self) else { return nil }
            if name == "." { continue }
            if name == ".." { return nil }
            segments.append(name)
        }
        let namesDirectory = decoded.isEmpty || decoded.last == UInt8(ascii: "/")
        if namesDirectory { segments.append(indexFile) }
        let trimmedBase = base.hasSuffix("/") ? String(base.dropLast()) : base
        return StaticPath(base: trimmedBase, relativePath: segments.joined(separator: "/"), namesDirectory: namesDirectory)
    }

    private static func percentDecode(_ bytes: [UInt8]) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else {
                    return nil
                }
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return output
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
