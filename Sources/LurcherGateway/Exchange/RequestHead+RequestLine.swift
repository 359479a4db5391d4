import LurcherOperations

extension RequestHead {
    /// The request as the access log and events show it; `route` is the pattern that matched, if any.
    func requestLine(route: [UInt8]) -> RequestLine {
        func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
        return RequestLine(
            method: text(method.name), target: text(url), version: overHTTP2 ? "HTTP/2.0" : text(version.name),
            host: string(of: "host") ?? "", referer: string(of: "referer") ?? "",
            userAgent: string(of: "user-agent") ?? "", route: text(route))
    }
}
