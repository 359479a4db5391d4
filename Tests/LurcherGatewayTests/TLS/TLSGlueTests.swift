import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import NIOSSL
import NIOTLS
import Testing

@testable import LurcherGateway

/// The TLS room's NIO glue on an `EmbeddedChannel`: the guard's handshake deadline and failure accounting, and
/// the reader that turns sendfile's file regions into bytes for TLS.
@Suite struct TLSGlueTests {
    private func guarded(counters: GatewayCounters, timeout: Duration = .seconds(5)) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            TLSConnectionGuard(connectionID: 1, handshakeTimeout: timeout, counters: counters, logger: Logger(label: "test")))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    @Test func aHandshakeNotDoneByTheDeadlineIsClosedAndCountedOnce() throws {
        let counters = GatewayCounters()
        let channel = try guarded(counters: counters)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(4999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
        #expect(counters.tlsFailures.load(ordering: .relaxed) == 1)
    }

    @Test func aCompletedHandshakeStopsTheDeadline() throws {
        let counters = GatewayCounters()
        let channel = try guarded(counters: counters)
        channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(channel.isActive)
        #expect(counters.tlsHandshakes.load(ordering: .relaxed) == 1)
        #expect(counters.tlsFailures.load(ordering: .relaxed) == 0)
        _ = try channel.finish()
    }

    @Test func aTLSErrorClosesAndIsCountedOnceAndOthersPassOn() throws {
        let counters = GatewayCounters()
        let channel = try guarded(counters: counters)
        channel.pipeline.fireErrorCaught(NIOSSLError.handshakeFailed(.sslError([])))
        channel.pipeline.fireErrorCaught(NIOSSLError.handshakeFailed(.sslError([])))
        #expect(!channel.isActive)
        #expect(counters.tlsFailures.load(ordering: .relaxed) == 1)

        struct Other: Error {}
        let other = try guarded(counters: counters)
        other.pipeline.fireErrorCaught(Other())
        #expect(throws: Other.self) { try other.throwIfErrorCaught() }
        #expect(counters.tlsFailures.load(ordering: .relaxed) == 1)
        _ = try? other.finish()
    }

    @Test func aClientLeavingAfterTheHandshakeIsNoFailure() throws {
        let counters = GatewayCounters()
        let channel = try guarded(counters: counters)
        channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
        channel.pipeline.fireErrorCaught(NIOSSLError.uncleanShutdown)
        #expect(!channel.isActive)
        #expect(counters.tlsFailures.load(ordering: .relaxed) == 0)
    }

    @Test func fileRegionsBecomeBytesInOrderWithTheWritesAroundThem() throws {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        defer { try? threadPool.syncShutdownGracefully() }
        let path = NSTemporaryDirectory() + "region-\(UUID().uuidString.prefix(8))"
        let content = (0..<(FileRegionReader.chunkSize * 2 + 10)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try Data(content).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try NIOFileHandle(_deprecatedPath: path)
        defer { try? handle.close() }

        let channel = EmbeddedChannel(handler: FileRegionReader(fileIO: NonBlockingFileIO(threadPool: threadPool)))
        let written = channel.eventLoop.makePromise(of: Void.self)
        channel.write(IOData.byteBuffer(ByteBuffer(string: "head")), promise: nil)
        channel.write(IOData.fileRegion(FileRegion(fileHandle: handle, readerIndex: 5, endIndex: content.count)), promise: written)
        channel.write(IOData.byteBuffer(ByteBuffer(string: "tail")), promise: nil)
        channel.flush()

        var output: [UInt8] = []
        let done = Completion()
        written.futureResult.whenComplete { _ in done.happened = true }
        try waitUntilRunning(channel.embeddedEventLoop) { done.happened }
        channel.embeddedEventLoop.run()
        while let part = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = part else {
                Issue.record("a file region reached the TLS side")
                continue
            }
            output += buffer.readableBytesView
        }
        let expected = Array("head".utf8) + content[5...] + Array("tail".utf8)
        // Compared to a Bool, so that a failure does not print two hundred kilobytes.
        let same = output == expected
        #expect(same, "\(output.count) bytes out, \(expected.count) expected")
        _ = try channel.finish()
    }

    /// Set by a callback that runs on the embedded loop, which is this test's thread.
    private final class Completion: @unchecked Sendable {
        var happened = false
    }

    /// Runs `loop`'s tasks until `condition` holds: the file is read on the thread pool, whose results come back
    /// to the loop as tasks.
    private func waitUntilRunning(_ loop: EmbeddedEventLoop, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(10)
        while !condition() {
            guard Date() < deadline else { throw CancellationError() }
            loop.run()
            usleep(1000)
        }
    }
}
