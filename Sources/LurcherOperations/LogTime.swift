import Glibc

/// The timestamps the access log and events carry, in UTC.
enum LogTime {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Appends `10/Oct/2000:13:55:36 +0000`, as the common and combined log formats write it, without making a
    /// string.
    static func appendCommon(_ time: timespec, to bytes: inout [UInt8]) {
        let parts = utc(time)
        appendTwo(parts.tm_mday, to: &bytes)
        bytes.append(UInt8(ascii: "/"))
        bytes.append(contentsOf: months[Int(parts.tm_mon)].utf8)
        bytes.append(UInt8(ascii: "/"))
        AccessLogLine.appendDecimal(Int(parts.tm_year) + 1900, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendTwo(parts.tm_hour, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendTwo(parts.tm_min, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendTwo(parts.tm_sec, to: &bytes)
        bytes.append(contentsOf: " +0000".utf8)
    }

    private static func appendTwo(_ value: Int32, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "0") + UInt8(value / 10))
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// `2000-10-10T13:55:36.123Z` (ISO 8601, milliseconds).
    static func iso8601(_ time: timespec) -> String {
        let parts = utc(time)
        let milliseconds = Int(time.tv_nsec / 1_000_000)
        let millisecondText = milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millisecondText)Z"
    }

    private static func utc(_ time: timespec) -> tm {
        var seconds = time.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return parts
    }

    private static func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

extension Double {
    /// The value with exactly three decimals, `0.002`: milliseconds of a time in seconds, microseconds of one in
    /// milliseconds. Written by hand because `String(format:)` goes through Foundation on every request.
    var threeDecimals: String {
        let thousandths = Int((self * 1000).rounded())
        let fraction = thousandths % 1000
        return "\(thousandths / 1000).\(fraction < 10 ? "00" : fraction < 100 ? "0" : "")\(fraction)"
    }
}
