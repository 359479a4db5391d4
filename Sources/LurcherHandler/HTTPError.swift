internal import LurcherProtocol
/// An error that becomes an HTTP response of its own status instead of a 500.
///
/// Throw it from a responder to refuse a request:
///
/// ```swift
/// guard let id = request.queryParameter("id") else {
///     throw HTTPError(400, message: "missing id")
/// }
/// ```
///
/// Any other error thrown by a responder is logged and answered with a bare 500.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// The response status, such as 404.
    public var status: Int
    /// Text for the response body; nil sends the reason phrase. Do not put
    /// unescaped client input here: it goes to the client as is.
    public var message: String?
    /// Extra response headers, such as `Allow` for a 405.
    public var headers: ResponseHeaders
    /// The error behind this one, for the log line; never sent to the client.
    public var underlying: (any Error)?

    /// Creates an error that answers with `status`.
    public init(_ status: Int, message: String? = nil, headers: ResponseHeaders = [:], underlying: (any Error)? = nil) {
        self.status = status
        self.message = message
        self.headers = headers
        self.underlying = underlying
    }

    public var description: String {
        "HTTP \(status)" + (message.map { ": \($0)" } ?? "") + (underlying.map { " (\($0))" } ?? "")
    }

    /// The response this error is answered with: a short `text/plain` body.
    public var response: Response {
        var response = Response(status: status, text: (message ?? HTTPStatus(status).reasonPhrase) + "\n")
        for field in headers { response.headers.replaceOrAdd(name: field.name, value: field.value) }
        return response
    }
}
