import Glibc
import LurcherConfiguration
import LurcherProtocol
import NIOCore
import NIOPosix

/// What a Dir route answers.
enum StaticFileResponse {
    /// The file, or parts of it: the response's status, a complete response head (`headBytes` long, followed by
    /// a small body read in with it), the open file, and the body to send after the head (empty for HEAD and 304).
    case file(status: HTTPStatus, headBytes: Int, head: ByteBuffer, body: [FileBodyPart], handle: NIOFileHandle)
    /// A directory named without its trailing slash: redirect to the slash form, as nginx does.
    case redirect(location: String)
    /// A canned error, with header lines such as `Content-Range` for 416.
    case error(HTTPStatus, extraHeaders: [String])
}

/// Serves files for Dir routes: opens and stats them on the thread pool so the event loop never blocks on
/// disk, and hands back the open file so the body goes out with sendfile.
///
/// There is no stat cache: open and fstat run on the pool for every request, which keeps them off the event
/// loop and never serves a stale length or validator.
struct StaticFileResponder: Sendable {
    let threadPool: NIOThreadPool
    private let bases = BaseDirectories()

    init(threadPool: NIOThreadPool) {
        self.threadPool = threadPool
    }

    /// Answers a GET or HEAD for `relativePath` (raw, percent-encoded) under `directory`.
    /// - Parameter requestPath: the full URL path, for the redirect's Location.
    func respond(
        directory: DirectoryConfiguration, relativePath: [UInt8], requestPath: String, conditions: FileConditions,
        isHead: Bool, keepAlive: Bool, eventLoop: any EventLoop
    ) -> EventLoopFuture<StaticFileResponse> {
        guard let resolved = StaticPath.resolve(relativePath, base: directory.base, indexFile: directory.indexFile) else {
            return eventLoop.makeSucceededFuture(.error(.notFound, extraHeaders: []))
        }
        let bases = self.bases
        return threadPool.runIfActive(eventLoop: eventLoop) {
            Self.open(
                resolved, directory: directory, requestPath: requestPath, conditions: conditions, isHead: isHead,
                keepAlive: keepAlive, bases: bases)
        }
    }

    /// The status for a file that `open(2)` refused with `code`: never a 500, and never the reason.
    static func status(forOpenError code: Int32) -> HTTPStatus {
        switch code {
        case EACCES, EPERM: .forbidden
        case EMFILE, ENFILE, ENOMEM: .serviceUnavailable
        default: .notFound
        }
    }

    /// Opens and stats the file, and weighs the request's conditions; runs on the thread pool.
    private static func open(
        _ resolved: StaticPath, directory: DirectoryConfiguration, requestPath: String, conditions: FileConditions,
        isHead: Bool, keepAlive: Bool, bases: BaseDirectories
    ) -> StaticFileResponse {
        let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK
        let descriptor =
            directory.allowSymlinksOutside ? Glibc.open(resolved.filePath, flags) : bases.openInside(resolved, flags: flags)
        guard descriptor >= 0 else { return .error(status(forOpenError: errno), extraHeaders: []) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            Glibc.close(descriptor)
            return .error(.notFound, extraHeaders: [])
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            Glibc.close(descriptor)
            return resolved.namesDirectory ? .error(.notFound, extraHeaders: []) : .redirect(location: requestPath + "/")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(descriptor)
            return .error(.notFound, extraHeaders: [])
        }
        let size = Int(info.st_size)
        let validators = FileValidators(
            entityTag: "\"\(String(info.st_mtim.tv_sec, radix: 16))-\(String(size, radix: 16))\"",
            lastModified: info.st_mtim.tv_sec)
        let contentType = MIMETypes.type(forFileName: resolved.fileName) ?? directory.defaultContentType
        var head = ResponseHead()
        head.add("Date", HTTPDate.now())
        var body: [FileBodyPart] = []
        switch conditions.answer(for: validators, size: size) {
        case .whole:
            head.status = .ok
            head.add("Accept-Ranges", "bytes")
            head.add("Content-Type", contentType)
            body = size > 0 ? [.file(0..<size)] : []
        case .partial(let range):
            head.status = .partialContent
            head.add("Content-Type", contentType)
            head.add("Content-Range", "bytes \(range.lowerBound)-\(range.upperBound)/\(size)")
            body = [.file(range.lowerBound..<(range.upperBound + 1))]
        case .multipart(let ranges):
            let multipart = MultipartByteRanges(ranges: ranges, size: size, contentType: contentType)
            head.status = .partialContent
            head.add("Content-Type", multipart.contentType)
            body = multipart.parts
        case .notModified:
            head.status = .notModified
        case .preconditionFailed:
            Glibc.close(descriptor)
            return .error(.preconditionFailed, extraHeaders: [])
        case .rangeNotSatisfiable:
            Glibc.close(descriptor)
            return .error(.rangeNotSatisfiable, extraHeaders: ["Content-Range: bytes */\(size)"])
        }
        if head.status != .notModified { head.add("Content-Length", "\(body.reduce(0) { $0 + $1.count })") }
        head.add("Last-Modified", HTTPDate.format(secondsSince1970: validators.lastModified))
        head.add("ETag", validators.entityTag)
        if let cacheControl = directory.cacheControl { head.add("Cache-Control", cacheControl) }
        if !keepAlive { head.add("Connection", "close") }
        var encoded = head.encoded()
        let headBytes = encoded.readableBytes
        if isHead {
            body = []
        } else if body.count == 1, case .file(let range) = body[0], range.count <= Self.inlineBytes,
            Self.read(range, of: descriptor, into: &encoded)
        {
            body = []
        }
        // FileRegion needs an NIOFileHandle; this initialiser is the one NIO keeps for adopting a descriptor.
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: descriptor)
        return .file(status: head.status, headBytes: headBytes, head: encoded, body: body, handle: handle)
    }

    /// Bodies up to this size are read here, on the pool, and go out in the same write as their head: for a
    /// small file, sendfile's second system call and second TCP segment cost more than the copy (they were
    /// a third of the gateway's time on 1 KiB files).
    static let inlineBytes = 16 * 1024

    /// Appends the bytes of `range` to `buffer`; false, with `buffer` unchanged, when they cannot all be read.
    private static func read(_ range: Range<Int>, of descriptor: Int32, into buffer: inout ByteBuffer) -> Bool {
        let start = buffer.writerIndex
        var done = 0
        while done < range.count {
            let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: range.count - done) { space in
                max(0, pread(descriptor, space.baseAddress, range.count - done, off_t(range.lowerBound + done)))
            }
            guard count > 0 else {
                buffer.moveWriterIndex(to: start)
                return false
            }
            done += count
        }
        return true
    }
}

/// A response's status line and headers, built up in order.
private struct ResponseHead {
    var status: HTTPStatus = .ok
    private var lines = ""

    mutating func add(_ name: String, _ value: String) {
        lines += "\(name): \(value)\r\n"
    }

    func encoded() -> ByteBuffer {
        ByteBuffer(string: "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n\(lines)\r\n")
    }
}
