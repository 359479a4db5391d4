import NIOCore
import NIOPosix

/// Turns the file regions a connection writes (static files go out with sendfile) into bytes read from the file,
/// for a channel that must see every byte: TLS encrypts in user space, and `NIOSSLHandler` takes only buffers.
///
/// A region is read in chunks on the thread pool, each written and flushed before the next is read, so a slow
/// client holds one chunk, not the file. Writes and flushes made meanwhile wait their turn, in order.
final class FileRegionReader: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private enum Pending {
        case write(IOData, EventLoopPromise<Void>?)
        case flush
    }

    static let chunkSize = 64 * 1024

    private let fileIO: NonBlockingFileIO
    private var pending = CircularBuffer<Pending>()
    private var reading = false

    init(fileIO: NonBlockingFileIO) {
        self.fileIO = fileIO
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let data = unwrapOutboundIn(data)
        if !reading, case .byteBuffer = data {
            context.write(wrapOutboundOut(data), promise: promise)
            return
        }
        pending.append(.write(data, promise))
        sendPending(context: context)
    }

    func flush(context: ChannelHandlerContext) {
        if reading { pending.append(.flush) } else { context.flush() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        while let next = pending.popFirst() {
            if case .write(_, let promise) = next { promise?.fail(ChannelError.ioOnClosedChannel) }
        }
    }

    /// Passes on what waits, up to the next file region, whose reading then holds back the rest.
    private func sendPending(context: ChannelHandlerContext) {
        while !reading, let next = pending.popFirst() {
            switch next {
            case .flush: context.flush()
            case .write(.byteBuffer(let buffer), let promise): context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: promise)
            case .write(.fileRegion(let region), let promise): read(region, promise: promise, context: context)
            }
        }
    }

    private func read(_ region: FileRegion, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        reading = true
        let reader = NIOLoopBound(self, eventLoop: context.eventLoop)
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        fileIO.readChunked(
            fileHandle: region.fileHandle, fromOffset: Int64(region.readerIndex), byteCount: region.readableBytes,
            chunkSize: Self.chunkSize, allocator: context.channel.allocator, eventLoop: context.eventLoop
        ) { chunk in
            boundContext.value.writeAndFlush(reader.value.wrapOutboundOut(.byteBuffer(chunk)))
        }.hop(to: context.eventLoop).whenComplete { result in
            reader.value.reading = false
            promise?.completeWith(result)
            if case .failure = result { boundContext.value.close(promise: nil) }
            reader.value.sendPending(context: boundContext.value)
        }
    }
}
