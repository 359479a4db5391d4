import LurcherConfiguration
import LurcherProtocol
import Testing

@testable import LurcherGateway

/// A streamed upload's rules on the connection, with a manual clock: how much of the body may be read, when the
/// client is read at all, and which side each deadline times.
@Suite struct HTTP1ConnectionUploadTests {
    private let timeouts = Timeouts(
        hold: .seconds(30), reply: .seconds(10), request: .seconds(20), keepAlive: .seconds(30), write: .seconds(40))

    /// A connection whose current request is a streamed upload (`chunked` or not), begun.
    private func streaming(chunked: Bool = false, pieceLimit: Int = 1000, awaitsContinue: Bool = false) -> TestConnection {
        var c = TestConnection(
            HTTP1Connection(timeouts: timeouts, maxWaiting: 16, recordsExchanges: false, uploadPieceLimit: pieceLimit))
        c.open()
        c.machine.requestParsed(.streamedUpload(chunked: chunked))
        c.machine.inputParsed(.held, midRequest: true, awaitsContinue: awaitsContinue, now: c.now)
        return c
    }

    @Test func theUploadStartsAtOnceAndItsFirstMessageMayCarryAPieceOfWhatCameWithTheHead() {
        var c = streaming()
        let actions = c.take()
        #expect(actions == ["parseHeldInput", "startUploadStream handler=0 token=1"], "what came with the head is parsed first")
        #expect(c.machine.uploadAllowance == 1000)
        #expect(streaming(chunked: true).machine.uploadAllowance == 0, "a chunked upload's first message is empty")
    }

    @Test func afterTheFirstMessageNothingIsReadUntilTheHandlerGrantsCredits() {
        var c = streaming()
        c.machine.uploadSent(bytes: 300, isLast: false, now: c.now)
        c.machine.inputParsed(.consumedAll, midRequest: true, awaitsContinue: false, now: c.now)
        _ = c.take()
        #expect(c.machine.uploadAllowance == 0, "credits start at 0, as in Mongrel2")
        let readsWithoutCredits = c.machine.readRequested()
        #expect(!readsWithoutCredits, "the client is not read: its bytes would have nowhere to go")
        c.machine.creditsGranted(250, now: c.now)
        #expect(c.take() == ["read"], "the read that waited is issued")
        #expect(c.machine.uploadAllowance == 250)
        c.machine.creditsGranted(5000, now: c.now)
        #expect(c.machine.uploadAllowance == 1000, "one message carries at most a piece")
        c.machine.uploadSent(bytes: 1000, isLast: false, now: c.now)
        #expect(c.machine.uploadAllowance == 1000)
        let readsWithCredits = c.machine.readRequested()
        #expect(readsWithCredits)
        c.machine.uploadSent(bytes: 1000, isLast: false, now: c.now)
        c.machine.uploadSent(bytes: 1000, isLast: false, now: c.now)
        c.machine.uploadSent(bytes: 1000, isLast: false, now: c.now)
        c.machine.uploadSent(bytes: 1000, isLast: false, now: c.now)
        #expect(c.machine.uploadAllowance == 250, "what is left of the credits")
        c.machine.uploadSent(bytes: 250, isLast: false, now: c.now)
        #expect(c.machine.uploadAllowance == 0)
        let readsWhenSpent = c.machine.readRequested()
        #expect(!readsWhenSpent, "spent: reading stops again")
    }

    @Test func creditsThatArriveWhileInputIsHeldHaveItParsed() {
        var c = streaming()
        c.machine.uploadSent(bytes: 0, isLast: false, now: c.now)
        c.machine.inputParsed(.held, midRequest: true, awaitsContinue: false, now: c.now)
        _ = c.take()
        c.machine.creditsGranted(10, now: c.now)
        #expect(c.take() == ["parseHeldInput"])
        c.machine.creditsGranted(10, now: c.now)
        #expect(c.take().isEmpty, "it was not waiting any more")
    }

    @Test func aHandlerThatNeverGrantsCreditsGetsTheReplyTimeout() {
        var c = streaming()
        c.machine.uploadSent(bytes: 100, isLast: false, now: c.now)
        c.machine.inputParsed(.consumedAll, midRequest: true, awaitsContinue: false, now: c.now)
        _ = c.take()
        c.advance(by: .seconds(9))
        #expect(c.last.isEmpty)
        c.advance(by: .seconds(15))
        #expect(c.last.prefix(3) == ["notice handlerTooSlow", "write canned 504 close", "closeAfterWrites"])
    }

    @Test func aClientThatStallsWithCreditsInHandGetsTheRequestTimeoutFromItsLastProgress() {
        var c = streaming()
        c.machine.uploadSent(bytes: 100, isLast: false, now: c.now)
        c.machine.creditsGranted(10_000, now: c.now)
        c.machine.inputParsed(.consumedAll, midRequest: true, awaitsContinue: false, now: c.now)
        _ = c.take()
        c.advance(by: .seconds(15))
        c.machine.uploadSent(bytes: 1000, isLast: false, now: c.now)
        c.advance(by: .seconds(15))
        #expect(c.last.isEmpty, "the client sent a piece 15 s ago; the handler, owed nothing, is not timed")
        c.advance(by: .seconds(6))
        #expect(c.last.prefix(2) == ["notice clientTooSlowToSend", "closeAfterWrites"])
        #expect(!c.last.contains { $0.hasPrefix("write canned") }, "the handler holds the request; it hears of the close")
        c.machine.closed(now: c.now)
        #expect(c.take().contains("tellHandlersClosed [0]"))
    }

    @Test func whileTheHandlerOwesCreditsTheClientIsNotTimed() {
        var c = streaming()
        c.machine.uploadSent(bytes: 100, isLast: false, now: c.now)
        c.machine.inputParsed(.consumedAll, midRequest: true, awaitsContinue: false, now: c.now)
        _ = c.take()
        c.machine.keptAlive(now: c.now)
        c.advance(by: .seconds(9))
        c.machine.keptAlive(now: c.now)
        c.advance(by: .seconds(9))
        c.machine.keptAlive(now: c.now)
        c.advance(by: .seconds(9))
        #expect(c.last.isEmpty, "27 s, past the request timeout, with the handler keeping the upload alive")
    }

    @Test func onceTheLastPieceIsSentTheHandlerOwesTheAnswerAndTheConnectionGoesOn() {
        var c = streaming()
        c.machine.uploadSent(bytes: 100, isLast: false, now: c.now)
        c.machine.creditsGranted(900, now: c.now)
        c.machine.uploadSent(bytes: 900, isLast: true, now: c.now)
        c.machine.inputParsed(.consumedAll, midRequest: false, awaitsContinue: false, now: c.now)
        _ = c.take()
        #expect(c.machine.uploadAllowance == 0)
        c.machine.creditsGranted(900, now: c.now)
        #expect(c.machine.uploadAllowance == 0, "credits after the end are let lie")
        c.reply(.head(status: 200, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), .end(keepAlive: true, excessBytes: 0))
        let answered = c.take()
        #expect(!answered.contains("closeAfterWrites"), "the body was all read: the connection can carry another request")
        c.machine.requestParsed(.toHandler())
        c.machine.inputParsed(.consumedAll, midRequest: false, awaitsContinue: false, now: c.now)
        #expect(c.take().contains("submit token=2"))
    }

    @Test func anAnswerBeforeTheBodyIsAllReadClosesTheConnection() {
        var c = streaming()
        c.machine.uploadSent(bytes: 100, isLast: false, now: c.now)
        _ = c.take()
        c.reply(.head(status: 413, "HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n"), .end(keepAlive: true, excessBytes: 0))
        #expect(c.take().contains("closeAfterWrites"), "the rest of the body is unread, so nothing can follow it")
        #expect(c.machine.uploadAllowance == 0)
    }

    @Test func aBodyThatBreaksMidStreamIsAnsweredAtOnceAndTheHandlerHearsOfTheClose() {
        var c = streaming(chunked: true)
        c.machine.uploadSent(bytes: 0, isLast: false, now: c.now)
        c.machine.creditsGranted(100, now: c.now)
        _ = c.take()
        c.machine.inputParsed(.malformed(.payloadTooLarge), midRequest: true, awaitsContinue: false, now: c.now)
        #expect(c.take().prefix(2) == ["write canned 413 close", "closeAfterWrites"])
        c.machine.closed(now: c.now)
        #expect(c.take().contains("tellHandlersClosed [0]"))
    }

    @Test func creditsForAConnectionWithNoUploadChangeNothing() {
        var c = TestConnection(HTTP1Connection(timeouts: timeouts, maxWaiting: 16, recordsExchanges: false))
        c.open()
        c.parsed([.toHandler()])
        _ = c.take()
        c.machine.creditsGranted(8058, now: c.now)
        #expect(c.take().isEmpty)
        #expect(c.machine.uploadAllowance == 0)
    }

    @Test func anUploadBehindAnotherRequestReadsNothingUntilItsTurn() {
        var c = TestConnection(
            HTTP1Connection(timeouts: timeouts, maxWaiting: 16, recordsExchanges: false, uploadPieceLimit: 1000))
        c.open()
        c.machine.requestParsed(.toHandler())
        c.machine.requestParsed(.streamedUpload(chunked: false))
        c.machine.inputParsed(.held, midRequest: true, awaitsContinue: false, now: c.now)
        #expect(c.take().contains("submit token=1"))
        #expect(c.machine.uploadAllowance == 0)
        c.reply(.head(status: 200, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), .end(keepAlive: true, excessBytes: 0))
        let next = c.take()
        #expect(next.contains("startUploadStream handler=0 token=2"))
        #expect(c.machine.uploadAllowance == 1000)
    }

    @Test func aClientWaitingForContinueGetsItWhenTheUploadStarts() {
        var c = streaming(awaitsContinue: true)
        let actions = c.take()
        #expect(actions == ["parseHeldInput", "write continue", "startUploadStream handler=0 token=1"])
    }
}

extension ParsedRequest {
    static func streamedUpload(chunked: Bool) -> ParsedRequest {
        ParsedRequest(disposition: .streamedUpload(index: 0, chunked: chunked), isHead: false, keepAlive: true)
    }
}
