import CHTTPParser

/// One C `http_parser`, and the way back from its callbacks to the Swift object that owns it.
///
/// http_parser's callbacks are C function pointers, which capture nothing: each finds its owner through the
/// parser's `data` field, which holds the owner unretained. That is safe because the owner holds the binding,
/// so the owner is alive whenever the parser runs. Noncopyable, so that the parser it allocates is freed once.
struct HTTPParserBinding<Owner: AnyObject>: ~Copyable {
    private let parser: UnsafeMutablePointer<http_parser>
    private let kind: http_parser_type
    private let callbacks: UnsafePointer<http_parser_settings>

    /// A parser of `kind` (requests or responses) that runs `callbacks`; ``reset(owner:)`` before executing.
    init(_ kind: http_parser_type, callbacks: UnsafePointer<http_parser_settings>) {
        parser = .allocate(capacity: 1)
        self.kind = kind
        self.callbacks = callbacks
        http_parser_init(parser, kind)
    }

    deinit {
        parser.deallocate()
    }

    /// Starts afresh on a new message, with the callbacks finding `owner`.
    func reset(owner: Owner) {
        http_parser_init(parser, kind)
        parser.pointee.data = Unmanaged.passUnretained(owner).toOpaque()
    }

    /// Runs the parser over `bytes`; no bytes at all tell it the input has ended.
    /// - Returns: how many bytes it took, which after an error can be one more than it was given (it counts the
    ///   byte it failed at).
    func execute(_ bytes: UnsafeRawBufferPointer) -> Int {
        http_parser_execute(parser, callbacks, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    /// The parser's fields as they are now: method, version, content length, upgrade, status.
    var state: http_parser { parser.pointee }

    var errno: http_errno { http_errno(rawValue: parser.pointee.http_errno) }

    /// Whether the message lets the connection carry another (http_should_keep_alive).
    var shouldKeepAlive: Bool { http_should_keep_alive(parser) != 0 }

    /// Pauses the parser, so that ``execute(_:)`` returns at once, or lets it go on.
    func pause(_ paused: Bool) { http_parser_pause(parser, paused ? 1 : 0) }

    /// The owner of the parser a callback was called for.
    static func owner(of parser: UnsafeMutablePointer<http_parser>?) -> Owner {
        Unmanaged<Owner>.fromOpaque(parser!.pointee.data).takeUnretainedValue()
    }

    /// The bytes a data callback was given.
    static func bytes(_ start: UnsafePointer<CChar>?, _ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: start, count: count)
    }

    /// A callback table, set up by `configure` and never freed: an owner type makes one, once, and every
    /// parser it owns reads it. The callbacks themselves find their parser's owner with ``owner(of:)``, so the
    /// table holds no state.
    static func callbacks(_ configure: (inout http_parser_settings) -> Void) -> UnsafePointer<http_parser_settings> {
        let settings = UnsafeMutablePointer<http_parser_settings>.allocate(capacity: 1)
        settings.initialize(to: http_parser_settings())
        http_parser_settings_init(settings)
        configure(&settings.pointee)
        return UnsafePointer(settings)
    }
}
