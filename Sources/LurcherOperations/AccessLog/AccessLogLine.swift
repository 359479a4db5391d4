import LurcherConfiguration

/// Formats one access-log line, ending in a newline.
enum AccessLogLine {
    static func make(_ request: CompletedRequest, format: AccessLogConfiguration.Format) -> [UInt8] {
        switch format {
        case .combined: combined(request)
        case .json: json(request)
        }
    }

    /// The combined log format, then the request time in seconds (as nginx's `$request_time`):
    /// `127.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /a HTTP/1.1" 200 2326 "-" "curl/8.0" 0.002`.
    /// The size is the body's, as `%b` is; `-` when there was none.
    static func combined(_ request: CompletedRequest) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(200)
        line.append(contentsOf: request.remoteAddress.utf8)
        line.append(contentsOf: " - - [\(LogTime.common(request.startedAt))] \"".utf8)
        if let asked = request.request {
            appendEscaped("\(asked.method) \(asked.target) \(asked.version)", to: &line)
        } else {
            line.append(UInt8(ascii: "-"))
        }
        line.append(contentsOf: "\" \(request.status) \(request.bodyBytesSent > 0 ? String(request.bodyBytesSent) : "-") \"".utf8)
        appendEscaped(request.request?.referer ?? "", to: &line)
        line.append(contentsOf: "\" \"".utf8)
        appendEscaped(request.request?.userAgent ?? "", to: &line)
        line.append(contentsOf: "\" \(request.duration.seconds.threeDecimals)\n".utf8)
        return line
    }

    /// One JSON object: the fields of docs/OPERATIONS.md.
    static func json(_ request: CompletedRequest) -> [UInt8] {
        var json = JSONObjectWriter()
        request.writeFields(into: &json)
        var line = json.finish()
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// Appends a quoted field's text as nginx does: `"`, `\` and bytes outside printable ASCII become `\xHH`,
    /// so a client cannot forge a line or a field. Empty text is `-`.
    private static func appendEscaped(_ text: String, to line: inout [UInt8]) {
        guard !text.isEmpty else {
            line.append(UInt8(ascii: "-"))
            return
        }
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            } else {
                line.append(byte)
            }
        }
    }
}
