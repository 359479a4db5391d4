import LurcherConfiguration
import Testing

@testable import LurcherGateway

/// A handler's extended replies on an HTTP/1 connection, with the manual clock: `ctl keep-alive` starts the
/// handler's deadlines again, `ctl cancel` closes at once and tells no handler.
@Suite struct HTTP1ConnectionControlTests {
    private func connection() -> TestConnection {
        TestConnection(
            HTTP1Connection(
                timeouts: Timeouts(hold: .seconds(30), reply: .seconds(10), request: .seconds(20), keepAlive: .seconds(30), write: .seconds(40)),
                maxWaiting: 16, recordsExchanges: false))
    }

    @Test func keepAliveStartsTheReplyDeadlineAgainForAQuietStream() {
        var c = connection()
        c.open()
        c.parsed([.toHandler()])
        c.reply(.head(status: 200, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
        _ = c.take()
        c.advance(by: .seconds(8))
        c.machine.keptAlive(now: c.now)
        c.advance(by: .seconds(8))
        #expect(c.last.isEmpty, "the keep-alive at 8 s moved the reply deadline to 18 s")
        c.advance(by: .seconds(2))
        #expect(c.last.contains("notice handlerTooSlow"), "without another, the stream is reaped")
    }

    @Test func keepAliveStartsTheIdleDeadlineAgainBetweenRequests() {
        var c = connection()
        c.open()
        _ = c.take()
        c.advance(by: .seconds(25))
        c.machine.keptAlive(now: c.now)
        c.advance(by: .seconds(25))
        #expect(c.last.isEmpty, "the keep-alive at 25 s moved the idle deadline to 55 s")
        c.advance(by: .seconds(5))
        #expect(c.last == ["closeAfterWrites"])
    }

    @Test func keepAliveLeavesTheClientsOwnDeadlinesAlone() {
        var c = connection()
        c.open()
        c.machine.inputParsed(.consumedAll, midRequest: true, awaitsContinue: false, now: c.now)
        _ = c.take()
        c.advance(by: .seconds(15))
        c.machine.keptAlive(now: c.now)
        #expect(c.take().isEmpty)
        c.advance(by: .seconds(5))
        #expect(c.last.first == "notice clientTooSlowToSend", "a client slow to send is not the handler's to excuse")
    }

    @Test func cancelClosesNowAndTellsNoHandler() {
        var c = connection()
        c.open()
        c.parsed([.toHandler()])
        c.reply(.head(status: 200, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
        _ = c.take()
        c.machine.cancelled()
        #expect(c.take() == ["closeNow"])
        c.machine.closed(now: c.now)
        #expect(c.take() == ["handlerRequestEnded", "tellHandlersClosed [0] silently"])
    }

    /// As in Mongrel2, a handler that closed the connection itself (an empty reply) is not told of the close.
    @Test func aCloseTheHandlerAskedForIsNotReportedToIt() {
        var c = connection()
        c.open()
        c.parsed([.toHandler()])
        _ = c.take()
        c.machine.handlerClosed(now: c.now)
        #expect(c.take() == ["closeAfterWrites"])
        c.machine.closed(now: c.now)
        #expect(c.take() == ["handlerRequestEnded", "tellHandlersClosed [0] silently"])
    }

    @Test func aClientThatLeavesIsStillNoticed() {
        var c = connection()
        c.open()
        c.parsed([.toHandler()])
        _ = c.take()
        c.machine.closed(now: c.now)
        #expect(c.take() == ["handlerRequestEnded", "tellHandlersClosed [0]"])
    }

    @Test func cancelAfterTheHandlerAskedForACloseLetsThatCloseFinish() {
        var c = connection()
        c.open()
        c.parsed([.toHandler()])
        _ = c.take()
        c.machine.handlerClosed(now: c.now)
        _ = c.take()
        c.machine.cancelled()
        c.machine.keptAlive(now: c.now)
        #expect(c.take().isEmpty)
    }
}
