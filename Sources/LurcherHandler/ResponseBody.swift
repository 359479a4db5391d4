/// The body of a response: bytes sent at once, or a stream written piece by piece.
public struct ResponseBody: Sendable, ExpressibleByStringLiteral {
    enum Storage: Sendable {
        case bytes([UInt8])
        case stream(@Sendable (ResponseBodyWriter) async throws -> Void)
    }

    let storage: Storage

    /// A body of these bytes, sent with `Content-Length`.
    public init(bytes: [UInt8]) {
        storage = .bytes(bytes)
    }

    /// A body of this text in UTF-8, sent with `Content-Length`.
    public init(string: String) {
        storage = .bytes(Array(string.utf8))
    }

    public init(stringLiteral value: String) {
        self.init(string: value)
    }

    /// A body written as it is produced, sent with `Transfer-Encoding: chunked`.
    ///
    /// The head goes out first; each write to the ``ResponseBodyWriter`` then
    /// goes to the gateway as its own chunk, and the last chunk follows when
    /// `write` returns. If `write` throws after the head has gone, the
    /// connection is closed so the client sees the response cut short.
    ///
    /// ```swift
    /// Response(status: 200, body: .stream { writer in
    ///     for tick in 1...3 { try await writer.write("tick \(tick)\n") }
    /// })
    /// ```
    public static func stream(_ write: @escaping @Sendable (ResponseBodyWriter) async throws -> Void) -> ResponseBody {
        ResponseBody(storage: .stream(write))
    }

    /// An empty body.
    public static var empty: ResponseBody { ResponseBody(bytes: []) }

    private init(storage: Storage) {
        self.storage = storage
    }

    /// The bytes of a complete body, or nil for a stream.
    public var bytes: [UInt8]? {
        if case .bytes(let bytes) = storage { return bytes }
        return nil
    }

    /// Whether the body is written piece by piece.
    public var isStream: Bool { bytes == nil }
}
