import Foundation

/// A response to a request: status, headers and body.
///
/// The gateway gets it as an HTTP/1.1 response; `Content-Length` (or
/// `Transfer-Encoding: chunked` for a stream) is filled in for you.
///
/// ```swift
/// Response(text: "Hello\n")
/// Response(status: 201, headers: ["Location": "/orders/7"])
/// try Response.json(order, status: 201)
/// ```
public struct Response: Sendable {
    enum Disposition: Sendable {
        case respond
        case close
        case none
    }

    /// The status code, such as 200.
    public var status: Int
    /// The headers, in order; framing headers are set when the response is sent.
    public var headers: ResponseHeaders
    /// The body.
    public var body: ResponseBody

    let disposition: Disposition

    /// Creates a response.
    public init(status: Int = 200, headers: ResponseHeaders = [:], body: ResponseBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
        disposition = .respond
    }

    /// Creates a response with a text body, `text/plain` in UTF-8 unless
    /// `headers` already say what `Content-Type` it is.
    public init(status: Int = 200, headers: ResponseHeaders = [:], text: String) {
        self.init(status: status, headers: headers, body: ResponseBody(string: text))
        if !self.headers.contains("Content-Type") {
            self.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        }
    }

    /// Creates a response with a body of bytes, `application/octet-stream`
    /// unless `headers` already say what `Content-Type` it is.
    public init(status: Int = 200, headers: ResponseHeaders = [:], bytes: [UInt8]) {
        self.init(status: status, headers: headers, body: ResponseBody(bytes: bytes))
        if !self.headers.contains("Content-Type") {
            self.headers.add(name: "Content-Type", value: "application/octet-stream")
        }
    }

    private init(disposition: Disposition) {
        status = 0
        headers = [:]
        body = .empty
        self.disposition = disposition
    }

    /// Answers with `value` encoded as JSON, `application/json`.
    ///
    /// - Throws: the encoder's error when `value` cannot be encoded.
    public static func json<T: Encodable>(
        _ value: T,
        status: Int = 200,
        headers: ResponseHeaders = [:],
        encoder: JSONEncoder = JSONEncoder()
    ) throws -> Response {
        var response = Response(status: status, headers: headers, body: ResponseBody(bytes: Array(try encoder.encode(value))))
        response.headers.replaceOrAdd(name: "Content-Type", value: "application/json; charset=utf-8")
        return response
    }

    /// Sends no response and asks the gateway to close the connection (an
    /// empty Mongrel2 reply). The client sees the connection close.
    public static var closeConnection: Response { Response(disposition: .close) }

    /// Sends nothing: the responder has answered, or will answer, through
    /// ``HandlerConnection/send(_:to:sender:)`` and friends, such as a
    /// long-poll answered later together with other connections.
    ///
    /// The gateway gives a client that gets no answer a 504 after its reply timeout.
    public static var noReply: Response { Response(disposition: .none) }
}
