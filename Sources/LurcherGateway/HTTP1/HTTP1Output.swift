import NIOCore

/// What the glue writes on the connection's behalf: a handler's bytes, or a file's head and body.
enum HTTP1Output: ConnectionOutput {
    case bytes(ByteBuffer)
    case file(head: ByteBuffer, body: [FileBodyPart], handle: NIOFileHandle)

    var byteCount: Int {
        switch self {
        case .bytes(let buffer): buffer.readableBytes
        case .file(let head, let body, _): body.reduce(head.readableBytes) { $0 + $1.count }
        }
    }

    /// Writes it, for the caller to flush; a file goes out with sendfile, and is closed once written.
    func write(to context: ChannelHandlerContext) {
        switch self {
        case .bytes(let buffer):
            context.write(NIOAny(IOData.byteBuffer(buffer)), promise: nil)
        case .file(let head, let body, let handle):
            var pieces: [IOData] = [.byteBuffer(head)]
            for part in body {
                switch part {
                case .bytes(let buffer): pieces.append(.byteBuffer(buffer))
                case .file(let range):
                    pieces.append(.fileRegion(FileRegion(fileHandle: handle, readerIndex: range.lowerBound, endIndex: range.upperBound)))
                }
            }
            for piece in pieces.dropLast() { context.write(NIOAny(piece), promise: nil) }
            let sent = context.eventLoop.makePromise(of: Void.self)
            sent.futureResult.whenComplete { _ in try? handle.close() }
            context.write(NIOAny(pieces.last!), promise: sent)
        }
    }
}
