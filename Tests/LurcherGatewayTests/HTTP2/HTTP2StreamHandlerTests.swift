import Foundation
import Logging
import LurcherConfiguration
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import NIOPosix
import Testing

@testable import LurcherGateway

/// The glue around one HTTP/2 stream, on an `EmbeddedChannel` standing in for the stream's child channel: frame
/// payloads in and out, the dispatcher's events delivered by hand, and the event loop's clock moved by the test.
@Suite(.serialized) final class HTTP2StreamHandlerTests {
    private let dispatcher: Dispatcher
    private let threadPool = NIOThreadPool(numberOfThreads: 1)
    private let counters = GatewayCounters()

    init() throws {
        let name = "inproc://stream-glue-\(UUID().uuidString)"
        dispatcher = try Dispatcher(
            handlers: [
                HandlerConfiguration(name: "app", sendSpec: name + "-send", dispatch: .push(recvSpec: name + "-recv"), sendIdent: "app")
            ],
            limits: Limits(), timeouts: Timeouts(), ids: ConnectionIDs(), logger: Logger(label: "test"),
            handlerReady: { _, _ in })
        threadPool.start()
    }

    deinit {
        dispatcher.shutdown()
        try? threadPool.syncShutdownGracefully()
    }

    private func stream(timeouts: Timeouts = Timeouts(), limits: Limits = Limits()) throws -> EmbeddedChannel {
        let environment = GatewayEnvironment(
            router: .localhost([RouteConfiguration(pattern: "/app", target: .handler("app"))], handlers: ["app": 0]),
            handlerIdentities: [HandlerIdentity(sendIdent: Array("app".utf8), encoding: .json)],
            dispatcher: dispatcher, files: StaticFileResponder(threadPool: threadPool), limits: limits,
            timeouts: timeouts, uploads: Uploads(), keepsForwardedFor: false, logger: Logger(label: "test"), counters: counters,
            connections: ConnectionTable(), operations: nil)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            HTTP2StreamHandler(
                connectionID: 9, remoteAddress: "127.0.0.1", fileDescriptor: -1, environment: environment,
                security: .plain, fileIO: NonBlockingFileIO(threadPool: threadPool)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    private func handler(_ channel: EmbeddedChannel) throws -> HTTP2StreamHandler {
        try channel.pipeline.syncOperations.handler(type: HTTP2StreamHandler.self)
    }

    private func request(_ channel: EmbeddedChannel, _ path: String, method: String = "GET", endStream: Bool = true) throws {
        let headers: HPACKHeaders = [":method": method, ":scheme": "http", ":authority": "localhost", ":path": path]
        try channel.writeInbound(HTTP2Frame.FramePayload.headers(.init(headers: headers, endStream: endStream)))
    }

    /// What the stream wrote: each frame as `HEADERS status`, `DATA text` or `RST code`, END_STREAM marked `!`.
    private func written(_ channel: EmbeddedChannel) throws -> [String] {
        var frames: [String] = []
        while let payload = try channel.readOutbound(as: HTTP2Frame.FramePayload.self) {
            switch payload {
            case .headers(let headers):
                frames.append("HEADERS \(headers.headers.first(name: ":status") ?? "?")" + (headers.endStream ? "!" : ""))
            case .data(let data):
                guard case .byteBuffer(let buffer) = data.data else { continue }
                frames.append("DATA \(String(buffer: buffer))" + (data.endStream ? "!" : ""))
            case .rstStream(let code): frames.append("RST \(code)")
            default: frames.append("\(payload)")
            }
        }
        return frames
    }

    @Test func aHandlersWholeReplyGoesOutAsHeadersAndOneEndingDataFrame() throws {
        let channel = try stream()
        try request(channel, "/app/x")
        #expect(counters.inFlight.value == 1)
        #expect(try written(channel).isEmpty)
        try handler(channel).dispatcherEvent(.reply(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")))
        #expect(try written(channel) == ["HEADERS 200", "DATA hi!"])
        #expect(counters.inFlight.value == 0)
    }

    @Test func aReplyInPiecesEndsTheStreamWithItsLastPiece() throws {
        let channel = try stream()
        try request(channel, "/app/x")
        let handler = try handler(channel)
        handler.dispatcherEvent(.reply(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab")))
        #expect(try written(channel) == ["HEADERS 200", "DATA ab"])
        handler.dispatcherEvent(.reply(ByteBuffer(string: "cd")))
        #expect(try written(channel) == ["DATA cd!"])
    }

    @Test func aHandlerCloseEndsACloseDelimitedBodyAndResetsACutShortOne() throws {
        let delimited = try stream()
        try request(delimited, "/app/x")
        try handler(delimited).dispatcherEvent(.reply(ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\nsome")))
        try handler(delimited).dispatcherEvent(.close)
        #expect(try written(delimited) == ["HEADERS 200", "DATA some", "DATA !"])

        let cutShort = try stream()
        try request(cutShort, "/app/x")
        try handler(cutShort).dispatcherEvent(.reply(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nsome")))
        try handler(cutShort).dispatcherEvent(.close)
        #expect(try written(cutShort) == ["HEADERS 200", "DATA some", "RST \(HTTP2ErrorCode.internalError)"])
    }

    @Test func noReplyWithinTheReplyTimeoutIsA504() throws {
        let channel = try stream(timeouts: Timeouts(reply: .seconds(5)))
        try request(channel, "/app/x")
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(4999))
        #expect(try written(channel).isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        let frames = try written(channel)
        #expect(frames.first == "HEADERS 504" && frames.last?.hasSuffix("!") == true, "\(frames)")
        #expect(counters.inFlight.value == 0)
    }

    @Test func aBodyPastMaxBodyBytesIs413WithoutReadingTheRest() throws {
        let channel = try stream(limits: Limits(maxBodyBytes: 4))
        try request(channel, "/app/x", method: "POST", endStream: false)
        try channel.writeInbound(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer(string: "12345")))))
        let frames = try written(channel)
        #expect(frames.first == "HEADERS 413", "\(frames)")
        #expect(counters.inFlight.value == 0, "nothing went to the handler")
    }

    @Test func aRequestForNoRouteIsAnswered404() throws {
        let channel = try stream()
        try request(channel, "/nowhere")
        let frames = try written(channel)
        #expect(frames.first == "HEADERS 404" && frames.last?.hasSuffix("!") == true, "\(frames)")
    }
}
