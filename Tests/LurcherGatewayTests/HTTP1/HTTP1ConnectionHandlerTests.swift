import Foundation
import Logging
import LurcherConfiguration
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing

@testable import LurcherGateway

/// The NIO glue around the connection, on an `EmbeddedChannel`: bytes in, bytes out, the dispatcher's events
/// delivered by hand, and the event loop's clock moved by the test.
@Suite(.serialized) final class HTTP1ConnectionHandlerTests {
    private let dispatcher: Dispatcher
    private let threadPool = NIOThreadPool(numberOfThreads: 1)
    private let counters = GatewayCounters()

    init() throws {
        let name = "inproc://glue-\(UUID().uuidString)"
        dispatcher = try Dispatcher(
            handlers: [
                HandlerConfiguration(name: "app", sendSpec: name + "-send", dispatch: .push(recvSpec: name + "-recv"), sendIdent: "app")
            ],
            limits: Limits(), timeouts: Timeouts(), ids: ConnectionIDs(), logger: Logger(label: "test"),
            handlerReady: { _, _ in })
    }

    deinit {
        dispatcher.shutdown()
    }

    /// - Parameter streamsUploads: the handler has `upload_stream`, and bodies over 10 bytes stream.
    private func channel(
        timeouts: Timeouts = Timeouts(), limits: Limits = Limits(), streamsUploads: Bool = false
    ) throws -> EmbeddedChannel {
        let environment = GatewayEnvironment(
            router: .localhost([RouteConfiguration(pattern: "/app", target: .handler("app"))], handlers: ["app": 0]),
            handlerIdentities: [HandlerIdentity(sendIdent: Array("app".utf8), encoding: .json, streamsUploads: streamsUploads)],
            dispatcher: dispatcher, files: StaticFileResponder(threadPool: threadPool), limits: limits,
            timeouts: timeouts, uploads: Uploads(threshold: streamsUploads ? 10 : Uploads().threshold), keepsForwardedFor: false, logger: Logger(label: "test"), counters: counters,
            connections: ConnectionTable(), operations: nil)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            HTTP1ConnectionHandler(
                connectionID: 7, remoteAddress: "127.0.0.1", fileDescriptor: -1, environment: environment))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    private var handler: (EmbeddedChannel) throws -> HTTP1ConnectionHandler = { channel in
        try channel.pipeline.syncOperations.handler(type: HTTP1ConnectionHandler.self)
    }

    /// Everything the connection has written so far, as text.
    private func output(_ channel: EmbeddedChannel) throws -> String {
        String(decoding: try outputBytes(channel), as: UTF8.self)
    }

    /// Everything the connection has written so far.
    private func outputBytes(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let data = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = data else {
                Issue.record("expected bytes, not a file region")
                continue
            }
            bytes += buffer.readableBytesView
        }
        return bytes
    }

    /// The status codes of the responses in `text`, in order.
    private func statuses(in text: String) -> [String] {
        text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
    }

    @Test func pipelinedRequestsForNoRouteAreAnsweredInOrderAndTheConnectionStaysOpen() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(string: "GET /a HTTP/1.1\r\nHost: localhost\r\n\r\nHEAD /b HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        let text = try output(channel)
        #expect(statuses(in: text) == ["404", "404"])
        #expect(text.hasSuffix("Content-Length: 14\r\n\r\n"), "the answer to HEAD has no body")
        #expect(channel.isActive)
    }

    /// A `Date` line for replies that must go out untouched: the gateway adds one only where there is none.
    private static let dated = "Date: Tue, 01 Dec 2026 00:00:00 GMT\r\n"

    @Test func aHandlersReplyIsRelayedAndAnswersTheRequest() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(string: "GET /app HTTP/1.1\r\nHost: localhost\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        #expect(try output(channel).isEmpty, "the second request waits for the first's answer")
        #expect(counters.inFlight.value == 1)
        let reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\(Self.dated)\r\nhi"
        try handler(channel).dispatcherEvent(.reply(ByteBuffer(string: reply)))
        let text = try output(channel)
        #expect(text.hasPrefix(reply), "the handler's bytes go out untouched")
        #expect(statuses(in: text) == ["200", "404"])
        #expect(counters.inFlight.value == 0)
    }

    @Test func aReplysHeadAndBodyLeaveInOneFlush() throws {
        let channel = try channel()
        let counter = OutboundCounter()
        try channel.pipeline.syncOperations.addHandler(counter, position: .first)
        try channel.writeInbound(ByteBuffer(string: "GET /app HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        let before = counter.flushes
        try handler(channel).dispatcherEvent(.reply(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")))
        #expect(counter.flushes == before + 1, "one system call for the whole reply, not one per part")
        let text = try output(channel)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: "), "a Date where the handler gave none")
        #expect(text.hasSuffix(" GMT\r\n\r\nhi"))
    }

    @Test func aReplySplitAcrossMessagesGoesOutWhole() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(string: "GET /app HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        let handler = try handler(channel)
        handler.dispatcherEvent(.reply(ByteBuffer(string: "HTTP/1.1 200 OK\r\nCont")))
        #expect(try output(channel).isEmpty, "half a head is held back")
        handler.dispatcherEvent(.reply(ByteBuffer(string: "ent-Length: 2\r\n\(Self.dated)\r\nh")))
        handler.dispatcherEvent(.reply(ByteBuffer(string: "i")))
        #expect(try output(channel) == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\(Self.dated)\r\nhi")
        #expect(counters.inFlight.value == 0)
    }

    @Test func aMalformedRequestIsAnswered400AndTheConnectionCloses() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(string: "NOT HTTP\r\n\r\n"))
        #expect(statuses(in: try output(channel)) == ["400"])
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }

    @Test func aClientThatLeavesWhileAHandlerHasItsRequestIsClosed() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(string: "GET /app HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
        #expect(counters.inFlight.value == 0)
    }

    @Test func aSilentHandlerGets504WhenTheEventLoopsClockPassesTheReplyTimeout() throws {
        let channel = try channel(timeouts: Timeouts(reply: .seconds(5)))
        try channel.writeInbound(ByteBuffer(string: "GET /app HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(try output(channel).isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(statuses(in: try output(channel)) == ["504"])
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }

    @Test func aClientSlowToSendItsRequestGets408() throws {
        let channel = try channel(timeouts: Timeouts(request: .seconds(3)))
        try channel.writeInbound(ByteBuffer(string: "GET /app HTTP/1.1\r\nHost: loc"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(3))
        #expect(statuses(in: try output(channel)) == ["408"])
        #expect(counters.clientsTooSlowToSend.load(ordering: .relaxed) == 1)
    }

    @Test func continueIsSentToAClientThatAsksForIt() throws {
        let channel = try channel()
        try channel.writeInbound(
            ByteBuffer(string: "POST /app HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"))
        #expect(try output(channel) == "HTTP/1.1 100 Continue\r\n\r\n")
    }

    @Test func readsWaitWhileEnoughRequestsAreWaiting() throws {
        let channel = try channel(limits: Limits(maxPipelinedRequests: 1))
        let counter = OutboundCounter()
        try channel.pipeline.syncOperations.addHandler(counter, position: .first)
        let request = "GET /app HTTP/1.1\r\nHost: localhost\r\n\r\n"
        try channel.writeInbound(ByteBuffer(string: request + request))
        let before = counter.reads
        channel.read()
        #expect(counter.reads == before, "a read waits while a request is held back")
        try handler(channel).dispatcherEvent(.reply(ByteBuffer(string: "HTTP/1.1 204 No Content\r\n\r\n")))
        #expect(counter.reads == before + 1, "the deferred read goes out once the held request is taken")
    }

    /// A streamed upload's client is read only while the handler's credits last: the read NIO asks for waits for
    /// a grant, and bytes past the credits wait, unparsed, for the next.
    @Test func aStreamedUploadReadsTheClientOnlyAsFarAsItsCredits() throws {
        let channel = try channel(streamsUploads: true)
        let counter = OutboundCounter()
        try channel.pipeline.syncOperations.addHandler(counter, position: .first)
        let handler = try handler(channel)
        try channel.writeInbound(ByteBuffer(string: "POST /app HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789"))
        let before = counter.reads
        channel.read()
        #expect(counter.reads == before, "no credits yet: the client is not read")
        handler.dispatcherEvent(.credits(50))
        #expect(counter.reads == before + 1, "the grant lets the waiting read go")
        try channel.writeInbound(ByteBuffer(bytes: [UInt8](repeating: 0x61, count: 80)))
        channel.read()
        #expect(counter.reads == before + 1, "30 bytes past the credits wait: nothing more is read")
        handler.dispatcherEvent(.credits(50))
        #expect(counter.reads == before + 2, "the held 30 bytes are taken, with 20 credits left to read with")
        #expect(channel.isActive)
    }

    /// A body that came whole with its head is all in the upload's first message; the request after it in the same
    /// read waits for the upload's answer, then is answered in turn.
    @Test func aStreamedUploadThatCameWholeWithTheNextRequestIsFollowedByIt() throws {
        let channel = try channel(streamsUploads: true)
        let handler = try handler(channel)
        try channel.writeInbound(
            ByteBuffer(
                string: "POST /app HTTP/1.1\r\nHost: localhost\r\nContent-Length: 12\r\n\r\nhello world!"
                    + "GET /app HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        handler.dispatcherEvent(.reply(ByteBuffer(string: "HTTP/1.1 204 No Content\r\n\r\n")))
        handler.dispatcherEvent(.reply(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")))
        #expect(statuses(in: try output(channel)) == ["204", "200"])
        #expect(channel.isActive)
    }

    /// A handler's 101 to a handshake hands the channel to the WebSocket room: with the frame the client sent
    /// before the 101 (which HTTP/1 kept, unparsed), the frame the handler sent with it, and a read issued once
    /// HTTP/1 has left the pipeline.
    @Test func a101HandsTheConnectionToTheWebSocketRoom() throws {
        let channel = try channel()
        let counter = OutboundCounter()
        try channel.pipeline.syncOperations.addHandler(counter, position: .first)
        let handshake =
            "GET /app HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try channel.writeInbound(ByteBuffer(bytes: Array(handshake.utf8) + ClientFrame.masked(0x81, "early")))
        #expect(counters.webSocketMessagesReceived.load(ordering: .relaxed) == 0, "no frame is read before the 101")
        let readsBefore = counter.reads
        let head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        try handler(channel).dispatcherEvent(.reply(ByteBuffer(bytes: Array(head.utf8) + [0x81, 0x02, 0x68, 0x69])))
        #expect(try outputBytes(channel) == Array(head.utf8) + [0x81, 0x02, 0x68, 0x69])
        #expect(throws: (any Error).self) { try channel.pipeline.syncOperations.handler(type: HTTP1ConnectionHandler.self) }
        let webSocket = try channel.pipeline.syncOperations.handler(type: WebSocketConnectionHandler.self)
        #expect(counters.webSocketMessagesReceived.load(ordering: .relaxed) == 1, "the early frame went to the handler")
        #expect(counter.reads == readsBefore + 1, "the room reads once HTTP/1 is gone")
        #expect(counters.openWebSockets.load(ordering: .relaxed) == 1)
        webSocket.dispatcherEvent(.reply(ByteBuffer(bytes: [0x81, 0x01, 0x21])))
        #expect(try outputBytes(channel) == [0x81, 0x01, 0x21])
        webSocket.dispatcherEvent(.close)
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
        #expect(counters.openWebSockets.load(ordering: .relaxed) == 0)
    }
}

/// Counts the reads and flushes the connection's handler sends towards the channel.
private final class OutboundCounter: ChannelOutboundHandler {
    typealias OutboundIn = Any
    private(set) var reads = 0
    private(set) var flushes = 0

    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }

    func flush(context: ChannelHandlerContext) {
        flushes += 1
        context.flush()
    }
}
