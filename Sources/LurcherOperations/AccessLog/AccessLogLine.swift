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
    ///
    /// Written byte by byte into the one array it returns: interpolated strings cost an allocation each, and this
    /// runs for every request.
    static func combined(_ request: CompletedRequest) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(200)
        line.append(contentsOf: request.remoteAddress.utf8)
        line.append(contentsOf: " - - [".utf8)
        LogTime.appendCommon(request.startedAt, to: &line)
        line.append(contentsOf: "] \"".utf8)
        if let asked = request.request {
            appendEscaped(asked.method, to: &line)
            line.append(UInt8(ascii: " "))
            appendEscaped(asked.target, to: &line)
            line.append(UInt8(ascii: " "))
            appendEscaped(asked.version, to: &line)
        } else {
            line.append(UInt8(ascii: "-"))
        }
        line.append(contentsOf: "\" ".utf8)
        appendDecimal(request.status, to: &line)
        line.append(UInt8(ascii: " "))
        if request.bodyBytesSent > 0 {
            appendDecimal(request.bodyBytesSent, to: &line)
        } else {
            line.append(UInt8(ascii: "-"))
        }
        line.append(contentsOf: " \"".utf8)
        appendField(request.request?.referer ?? "", to: &line)
        line.append(contentsOf: "\" \"".utf8)
        appendField(request.request?.userAgent ?? "", to: &line)
        line.append(contentsOf: "\" ".utf8)
        let thousandths = Int((request.duration.seconds * 1000).rounded())
        appendDecimal(thousandths / 1000, to: &line)
        line.append(UInt8(ascii: "."))
        let fraction = thousandths % 1000
        line.append(UInt8(ascii: "0") + UInt8(fraction / 100))
        line.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
        line.append(UInt8(ascii: "0") + UInt8(fraction % 10))
        line.append(UInt8(ascii: "\n"))
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

    /// Appends a quoted field's text, escaped (see ``appendEscaped(_:to:)``); empty text is `-`.
    private static func appendField(_ text: String, to line: inout [UInt8]) {
        if text.isEmpty {
            line.append(UInt8(ascii: "-"))
        } else {
            appendEscaped(text, to: &line)
        }
    }

    /// Appends text as nginx escapes it: `"`, `\` and bytes outside printable ASCII become `\xHH`, so a client
    /// cannot forge a line or a field.
    private static func appendEscaped(_ text: String, to line: inout [UInt8]) {
        for byte in text.utf8 {
            if byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                line.append(UInt8(ascii: "\\"))
                line.append(UInt8(ascii: "x"))
                line.append(hexDigit(byte >> 4))
                line.append(hexDigit(byte & 0xF))
            } else {
                line.append(byte)
            }
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }

    /// Appends a non-negative number in decimal.
    static func appendDecimal(_ value: Int, to line: inout [UInt8]) {
        guard value >= 10 else {
            line.append(UInt8(ascii: "0") + UInt8(clamping: max(0, value)))
            return
        }
        appendDecimal(value / 10, to: &line)
        line.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}
