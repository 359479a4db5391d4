import LurcherConfiguration
import NIOCore
import NIOPosix

/// What a Dir route answers.
enum StaticFileResponse {
    /// The file: a complete response head, and the open file to send after it (nil for HEAD).
    case file(head: ByteBuffer, body: FileRegion?, handle: NIOFileHandle)
    /// A directory named without its trailing slash: redirect to the slash form, as nginx does.
    case redirect(location: String)
    /// A canned error.
    case error(HTTPStatus)
}

/// Serves files for Dir routes: opens and stats them on the thread pool so the event loop never blocks on
/// disk, and hands back a `FileRegion` so the body goes out with sendfile.
struct StaticFileResponder: Sendable {
    let threadPool: NIOThreadPool

    /// Answers a GET or HEAD for `relativePath` (raw, percent-encoded) under `directory`.
    /// - Parameter requestPath: the full URL path, for the redirect's Location.
    func respond(
        directory: DirectoryConfiguration, relativePath: [UInt8], requestPath: String, isHead: Bool,
        keepAlive: Bool, eventLoop: any EventLoop
    ) -> EventLoopFuture<StaticFileResponse> {
        guard let resolved = StaticPath.resolve(relativePath, base: directory.base, indexFile: directory.indexFile) else {
            return eventLoop.makeSucceededFuture(.error(.notFound))
        }
        return threadPool.runIfActive(eventLoop: eventLoop) {
            Self.open(resolved, directory: directory, requestPath: requestPath, isHead: isHead, keepAlive: keepAlive)
        }
    }

    /// Opens and stats the file; runs on the thread pool.
    private static func open(
        _ resolved: StaticPath, directory: DirectoryConfiguration, requestPath: String, isHead: Bool, keepAlive: Bool
    ) -> StaticFileResponse {
        let descriptor = resolved.filePath.withCString { Glibc.open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
        guard descriptor >= 0 else {
            return .error(errno == EACCES ? .forbidden : .notFound)
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            Glibc.close(descriptor)
            return .error(.notFound)
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            Glibc.close(descriptor)
            return resolved.namesDirectory ? .error(.notFound) : .redirect(location: requestPath + "/")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(descriptor)
            return .error(.notFound)
        }
        let size = Int(info.st_size)
        let modified = info.st_mtim.tv_sec
        let contentType = MIMETypes.type(forFileName: resolved.fileName) ?? directory.defaultContentType
        var head = "HTTP/1.1 200 OK\r\n"
        head += "Date: \(HTTPDate.now())\r\n"
        head += "Content-Type: \(contentType)\r\n"
        head += "Content-Length: \(size)\r\n"
        head += "Last-Modified: \(HTTPDate.format(secondsSince1970: modified))\r\n"
        head += "ETag: \"\(String(modified, radix: 16))-\(String(size, radix: 16))\"\r\n"
        if !keepAlive { head += "Connection: close\r\n" }
        head += "\r\n"
        // FileRegion needs an NIOFileHandle; this initialiser is the one NIO keeps for adopting a descriptor.
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: descriptor)
        let body = isHead || size == 0 ? nil : FileRegion(fileHandle: handle, readerIndex: 0, endIndex: size)
        return .file(head: ByteBuffer(string: head), body: body, handle: handle)
    }
}
