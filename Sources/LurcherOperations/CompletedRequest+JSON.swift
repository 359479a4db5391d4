extension CompletedRequest {
    /// Writes the request's fields: the JSON access-log line and the request event share them.
    func writeFields(into json: inout JSONObjectWriter) {
        json.field("time", LogTime.iso8601(startedAt))
        json.field("remote", remoteAddress)
        json.field("connection", Int(connectionID))
        if let request {
            json.field("method", request.method)
            json.field("target", request.target)
            json.field("version", request.version)
            json.field("host", request.host)
            json.field("route", request.route)
            json.field("referer", request.referer)
            json.field("user_agent", request.userAgent)
        }
        json.field("status", status)
        json.field("bytes", bytesSent)
        json.field("body_bytes", bodyBytesSent)
        json.field("duration_ms", milliseconds: duration.seconds * 1000)
    }
}
