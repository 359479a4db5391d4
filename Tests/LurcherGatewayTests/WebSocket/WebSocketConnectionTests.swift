import LurcherConfiguration
import LurcherProtocol
import NIOCore
import Testing

@testable import LurcherGateway

/// The WebSocket room's rules, driven with a manual clock and no channel.
@Suite struct WebSocketConnectionTests {
    private static let timeouts = Timeouts(write: .seconds(60), webSocketIdle: .seconds(300))

    private static func connection(maxMessageBytes: Int = 1 << 20, broker: Bool = true) -> WebSocketConnection {
        let messages = WebSocketMessageEncoder(
            handler: 0, messages: FollowUpMessages(sendIdent: Array("ident".utf8), connectionID: 7, path: Array("/ws".utf8)),
            headers: RequestHeadersWriter())
        return WebSocketConnection(
            handOver: WebSocketHandOver(messages: messages, exchange: nil, handlers: [0], lastToken: 3),
            timeouts: timeouts, maxMessageBytes: maxMessageBytes, handlerFinishesMessages: broker)
    }

    /// The actions queued, described; timer schedules left out.
    private static func take(_ connection: inout WebSocketConnection) -> [String] {
        var taken: [String] = []
        while let action = connection.nextAction() {
            switch action {
            case .write(let bytes): taken.append("write \(Array(bytes.readableBytesView))")
            case .forward(_, let token): taken.append("forward \(token)")
            case .read: taken.append("read")
            case .closeAfterWrites: taken.append("closeAfterWrites")
            case .closeOutputAfterWrites: taken.append("closeOutputAfterWrites")
            case .closeNow: taken.append("closeNow")
            case .scheduleWake: continue
            case .report: taken.append("report")
            case .notice(let notice): taken.append("notice \(notice)")
            case .closed(let handlers, let notify): taken.append("closed \(handlers) notify=\(notify)")
            }
        }
        return taken
    }

    private static func closeFrame(_ code: UInt16, _ reason: String) -> String {
        "write \([0x88, UInt8(2 + reason.utf8.count), UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8))"
    }

    private static func frames(_ count: Int, _ text: String = "hi") -> ByteBuffer {
        ByteBuffer(bytes: (0..<count).flatMap { _ in ClientFrame.masked(0x81, text) })
    }

    @Test func messagesGoToTheHandlerWithTokensAfterHTTPs() {
        var connection = Self.connection()
        connection.opened(input: Self.frames(2), now: .zero)
        #expect(Self.take(&connection) == ["forward 4", "forward 5"])
    }

    @Test func readingStopsWhileSixteenMessagesAreUntakenAndResumesWhenOneIsTaken() {
        var connection = Self.connection()
        connection.opened(input: nil, now: .zero)
        connection.received(Self.frames(20), now: .zero)
        let forwarded = Self.take(&connection)
        #expect(forwarded.count == WebSocketConnection.maxUntakenMessages)
        #expect(connection.readRequested() == false, "the socket is not read while the handler side is full")
        connection.taken(token: 4, now: .zero)
        #expect(Self.take(&connection) == ["forward 20"])
        for token in 5...20 { connection.taken(token: UInt64(token), now: .zero) }
        // The held input is all read; the deferred read is issued once there is room.
        #expect(Self.take(&connection) == ["forward 21", "forward 22", "forward 23", "read"])
    }

    /// Push mode: the socket takes messages at once, so reading goes on until the dispatcher says one waits.
    @Test func inPushModeReadingStopsOnlyWhileAMessageIsHeld() {
        var connection = Self.connection(broker: false)
        connection.opened(input: nil, now: .zero)
        connection.received(Self.frames(20), now: .zero)
        #expect(Self.take(&connection).count == 20)
        connection.held(token: 23)
        var reads = connection.readRequested()
        #expect(!reads, "a held message stops the reading")
        connection.received(Self.frames(2), now: .zero)
        #expect(Self.take(&connection).isEmpty, "what arrived stays in the input")
        connection.taken(token: 23, now: .zero)
        #expect(Self.take(&connection) == ["forward 24", "forward 25", "read"])
        reads = connection.readRequested()
        #expect(reads)
    }

    @Test func aLargeMessageIsLetThroughAloneButBlocksTheNext() {
        var connection = Self.connection(maxMessageBytes: 4 << 20)
        connection.opened(input: nil, now: .zero)
        let big = String(repeating: "x", count: 2 << 20)
        connection.received(ByteBuffer(bytes: ClientFrame.masked(0x81, big) + ClientFrame.masked(0x81, "next")), now: .zero)
        #expect(Self.take(&connection) == ["forward 4"])
        connection.taken(token: 4, now: .zero)
        #expect(Self.take(&connection) == ["forward 5"])
    }

    @Test func aViolationSendsItsCloseCodeAndTheHandlerHearsOfTheClose() {
        var connection = Self.connection()
        connection.opened(input: ByteBuffer(bytes: [0x81, 0x01, 0x78]), now: .zero)  // unmasked
        #expect(
            Self.take(&connection) == [
                "notice violation(LurcherGateway.WebSocketViolation(code: LurcherGateway.WebSocketCloseCode.protocolError, reason: \"unmasked client frame\"))",
                Self.closeFrame(1002, "unmasked client frame"), "closeOutputAfterWrites",
            ])
        connection.closed(now: .seconds(1))
        #expect(Self.take(&connection) == ["closed [0] notify=true"])
    }

    /// After its own close frame the gateway reads and drops the client's input until the client closes, or the
    /// linger timeout: closing with input arriving would reset the connection and could lose the close frame.
    @Test func afterItsOwnCloseTheGatewayDrainsTheClientUntilItCloses() {
        var connection = Self.connection()
        connection.opened(input: Self.frames(20), now: .zero)
        connection.holderGone(stopped: false, now: .zero)
        _ = Self.take(&connection)
        let reads = connection.readRequested()
        #expect(reads, "the input is drained, though sixteen messages are untaken")
        connection.received(Self.frames(5), now: .seconds(1))
        #expect(Self.take(&connection).isEmpty, "a closing WebSocket forwards nothing")
        connection.inputEnded(now: .seconds(1))
        #expect(Self.take(&connection) == ["closeNow"])

        var stubborn = Self.connection()
        stubborn.opened(input: nil, now: .zero)
        stubborn.gatewayStopping(now: .zero)
        _ = Self.take(&stubborn)
        stubborn.wake(now: WebSocketConnection.lingerTimeout) { 0 }
        #expect(Self.take(&stubborn) == ["closeNow"])
    }

    @Test func aCloseTheHandlerAskedForIsNotReportedToIt() {
        var connection = Self.connection()
        connection.opened(input: nil, now: .zero)
        connection.handlerSent(ByteBuffer(bytes: [0x88, 0x02, 0x03, 0xE8]), now: .zero)
        connection.handlerClosed(now: .zero)
        connection.closed(now: .zero)
        #expect(Self.take(&connection) == ["write [136, 2, 3, 232]", "closeAfterWrites", "closed [0] notify=false"])
    }

    @Test func aHandlersKeepAliveResetsTheIdleTimer() {
        var connection = Self.connection()
        connection.opened(input: nil, now: .zero)
        connection.keptAlive(now: .seconds(250))
        _ = Self.take(&connection)
        connection.wake(now: .seconds(300)) { 0 }
        #expect(Self.take(&connection).isEmpty, "the keep-alive at 250 s moved the deadline to 550 s")
        connection.wake(now: .seconds(550)) { 0 }
        #expect(Self.take(&connection) == ["notice idle", Self.closeFrame(1001, "idle"), "closeOutputAfterWrites"])
    }

    @Test func aHandlersCancelClosesAtOnceWithNoFrameAndNoNotice() {
        var connection = Self.connection()
        connection.opened(input: nil, now: .zero)
        connection.cancelled()
        connection.closed(now: .seconds(1))
        #expect(Self.take(&connection) == ["closeNow", "closed [0] notify=false"])
    }

    @Test func anIdleWebSocketIsClosedWith1001AndAnyFrameResetsTheTimer() {
        var connection = Self.connection()
        connection.opened(input: nil, now: .zero)
        connection.received(Self.frames(1), now: .seconds(200))
        _ = Self.take(&connection)
        connection.wake(now: .seconds(300)) { 0 }
        #expect(Self.take(&connection).isEmpty, "a frame at 200 s moved the deadline to 500 s")
        connection.handlerSent(ByteBuffer(bytes: [0x81, 0x00]), now: .seconds(400))
        _ = Self.take(&connection)
        connection.wake(now: .seconds(700)) { 0 }
        #expect(Self.take(&connection) == ["notice idle", Self.closeFrame(1001, "idle"), "closeOutputAfterWrites"])
    }

    @Test func theHandlerGoingChoosesTheCloseCode() {
        for (stopped, code, reason) in [(true, UInt16(1012), "handler restarting"), (false, 1011, "handler gone")] {
            var connection = Self.connection()
            connection.opened(input: nil, now: .zero)
            connection.holderGone(stopped: stopped, now: .zero)
            #expect(Self.take(&connection).dropFirst() == [Self.closeFrame(code, reason), "closeOutputAfterWrites"])
        }
        var unavailable = Self.connection()
        unavailable.opened(input: Self.frames(1), now: .zero)
        _ = Self.take(&unavailable)
        unavailable.unavailable(token: 99, now: .zero)
        #expect(Self.take(&unavailable).isEmpty, "an event about another token changes nothing")
        unavailable.unavailable(token: 4, now: .zero)
        #expect(Self.take(&unavailable).dropFirst() == [Self.closeFrame(1013, "no handler available"), "closeOutputAfterWrites"])
    }

    @Test func aClientThatStopsReadingIsClosedByTheWriteTimeoutAndByTheOutputBound() {
        var connection = Self.connection()
        connection.opened(input: nil, now: .zero)
        connection.handlerSent(ByteBuffer(repeating: 0, count: 1000), now: .zero)
        _ = Self.take(&connection)
        connection.wake(now: .seconds(60)) { 400 }
        #expect(Self.take(&connection).isEmpty, "it took 600 bytes: another timeout")
        connection.wake(now: .seconds(120)) { 400 }
        #expect(Self.take(&connection) == ["notice clientTooSlowToRead", "closeNow"])

        var flooded = Self.connection()
        flooded.opened(input: nil, now: .zero)
        flooded.outputBuffered(WebSocketConnection.maxUnsentBytes)
        #expect(Self.take(&flooded).isEmpty)
        flooded.outputBuffered(WebSocketConnection.maxUnsentBytes + 1)
        #expect(Self.take(&flooded) == ["notice clientTooSlowToRead", "closeNow"])
    }
}
