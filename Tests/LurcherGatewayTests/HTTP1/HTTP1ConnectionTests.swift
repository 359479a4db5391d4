import LurcherConfiguration
import LurcherProtocol
import Testing

@testable import LurcherGateway

/// The connection's rules, driven event by event with a manual clock: no channel, no timer, no parser.
@Suite struct HTTP1ConnectionTests {
    private let timeouts = Timeouts(
        hold: .seconds(30), reply: .seconds(10), request: .seconds(20), keepAlive: .seconds(30), write: .seconds(40))

    private func connection(maxWaiting: Int = 16, records: Bool = false) -> TestConnection {
        TestConnection(HTTP1Connection(timeouts: timeouts, maxWaiting: maxWaiting, recordsExchanges: records))
    }

    // MARK: - Order

    @Test func pipelinedRequestsGoToTheHandlerOneAtATimeInOrder() {
        var c = connection()
        c.open()
        c.parsed([.toHandler(), .toHandler()])
        let taken1 = c.take()
        #expect(taken1.filter { $0.hasPrefix("submit") } == ["submit token=1"])
        c.reply(.head(status: 200, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"), .body("hi"), .end(keepAlive: true, excessBytes: 0))
        let actions = c.take()
        #expect(actions.contains("write output(38)"))
        #expect(actions.contains("write output(2)"))
        #expect(actions.contains("submit token=2"))
        #expect(actions.firstIndex(of: "handlerRequestEnded")! < actions.firstIndex(of: "submit token=2")!)
    }

    @Test func aRejectedRequestIsAnsweredAtOnceAndTheNextOneStarts() {
        var c = connection()
        c.open()
        c.parsed([.rejected(.notFound), .toHandler()])
        let actions = c.take()
        #expect(actions.prefix(2) == ["write canned 404", "submit token=1"])
        #expect(!actions.contains("closeAfterWrites"))
    }

    @Test func aReplyThatEndsTheConnectionClosesItOnceWritten() {
        var c = connection()
        c.open()
        c.parsed([.toHandler(), .toHandler()])
        _ = c.take()
        c.reply(.head(status: 200, "HTTP/1.1 200 OK\r\n\r\n"), .end(keepAlive: false, excessBytes: 0))
        let actions = c.take()
        #expect(actions.contains("closeAfterWrites"))
        #expect(!actions.contains("submit token=2"), "a closing connection answers nothing more")
    }

    @Test func repliesForAnEarlierTokenAreIgnored() {
        var c = connection()
        c.open()
        c.parsed([.toHandler()])
        _ = c.take()
        c.machine.unavailable(token: 7, now: c.now)
        c.machine.handlerLost(token: 7, now: c.now)
        let taken2 = c.take()
        #expect(taken2.isEmpty)
        c.machine.unavailable(token: 1, now: c.now)
        let taken3 = c.take()
        #expect(taken3.prefix(2) == ["write canned 503 Retry-After: 1", "handlerRequestEnded"])
    }

    @Test func bytesPushedToAnIdleConnectionPassThroughButNotIntoAFile() {
        var c = connection()
        c.open()
        c.machine.pushed(TestBytes("event"), now: c.now)
        let taken4 = c.take()
        #expect(taken4.contains("write output(5)"))
        c.parsed([.forFile()])
        _ = c.take()
        c.machine.pushed(TestBytes("event"), now: c.now)
        let taken5 = c.take()
        #expect(!taken5.contains("write output(5)"))
    }

    // MARK: - Handler failures

    @Test func aHandlerThatDoesNotReplyInTimeGets504AndTheConnectionCloses() {
        var c = connection()
        c.open()
        c.parsed([.toHandler(), .toHandler()])
        _ = c.take()
        c.advance(by: .seconds(9))
        #expect(c.last.isEmpty)
        c.advance(by: .seconds(1))
        #expect(c.last.prefix(3) == ["notice handlerTooSlow", "write canned 504 close", "closeAfterWrites"])
        #expect(!c.last.contains("submit token=2"))
    }

    @Test func aHandlerSilentAfterItsHeadIsCutOffWithoutA504() {
        var c = connection()
        c.open()
        c.parsed([.toHandler()])
        c.reply(.head(status: 200, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"))
        _ = c.take()
        c.advance(by: .seconds(10))
        let actions = c.last
        #expect(actions.contains("notice handlerTooSlow"))
        #expect(!actions.contains { $0.hasPrefix("write canned") })
        #expect(actions.contains("closeAfterWrites"))
    }

    @Test func aMalformedReplyIs502OnlyIfNothingWasWritten() {
        var fresh = connection()
        fresh.open()
        fresh.parsed([.toHandler()])
        fresh.reply(.malformed)
        let taken6 = fresh.take()
        #expect(taken6.contains("write canned 502 close"))

        var begun = connection()
        begun.open()
        begun.parsed([.toHandler()])
        begun.reply(.head(status: 200, "HTTP/1.1 200 OK\r\n\r\n"), .malformed)
        let actions = begun.take()
        #expect(actions.contains("notice replyMalformed"))
        #expect(!actions.contains { $0.hasPrefix("write canned") })
        #expect(actions.contains("closeAfterWrites"))
    }

    @Test func aLostHandlerIs502AndTheConnectionGoesOn() {
        var c = connection()
        c.open()
        c.parsed([.toHandler(), .toHandler()])
        _ = c.take()
        c.machine.handlerLost(token: 1, now: c.now)
        let actions = c.take()
        #expect(actions.contains("write canned 502"))
        #expect(actions.contains("submit token=2"))
    }

    @Test func bytesPastTheEndOfAReplyAreReported() {
        var c = connection()
        c.open()
        c.parsed([.toHandler()])
        c.reply(.head(status: 204, "HTTP/1.1 204 No Content\r\n\r\n"), .end(keepAlive: true, excessBytes: 5))
        let taken7 = c.take()
        #expect(taken7.contains("notice replyTooLong(excessBytes: 5)"))
    }

    @Test func switchingProtocolsHandsTheConnectionOverAndHTTP1Ends() {
        var c = connection()
        c.open()
        c.parsed([.toHandler(), .toHandler()])
        c.reply(.head(status: 101, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"), .end(keepAlive: true, excessBytes: 0))
        let actions = c.take()
        #expect(actions.contains("closeAfterWrites"))
        #expect(!actions.contains("submit token=2"))
    }

    // MARK: - Clients

    @Test func aClientTooSlowToSendItsRequestGets408() {
        var c = connection()
        c.open()
        c.machine.inputParsed(.consumedAll, midRequest: true, awaitsContinue: false, now: c.now)
        _ = c.take()
        c.advance(by: .seconds(20))
        #expect(c.last.prefix(3) == ["notice clientTooSlowToSend", "write canned 408 close", "closeAfterWrites"])
    }

    @Test func anIdleConnectionClosesAfterTheKeepAliveTimeout() {
        var c = connection()
        c.open()
        _ = c.take()
        c.advance(by: .seconds(29))
        #expect(c.last.isEmpty)
        c.advance(by: .seconds(1))
        #expect(c.last == ["closeAfterWrites"])
    }

    @Test func aClientThatStopsReadingIsClosedAndOneThatReadsGetsMoreTime() {
        var c = connection()
        c.open()
        c.parsed([.toHandler()])
        c.reply(.head(status: 200, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"), .body(TestBytes(String(repeating: "x", count: 100))))
        _ = c.take()
        let written = 40 + 100
        // Some output left since the deadline was set: another write timeout.
        c.advance(by: .seconds(40), buffered: written - 10)
        #expect(!c.last.contains("closeNow"))
        // Nothing more left in a whole timeout: the client has stopped reading.
        c.advance(by: .seconds(40), buffered: written - 10)
        #expect(c.last.contains("notice clientTooSlowToRead"))
        #expect(c.last.contains("closeNow"))
    }

    @Test func aClientThatLeavesWhileItsRequestIsAtAHandlerIsClosedAtOnce() {
        var c = connection()
        c.open()
        c.parsed([.toHandler()])
        _ = c.take()
        #expect(!c.machine.checksEndOfInput)
        c.machine.inputEnded(cutShort: nil, now: c.now)
        let taken8 = c.take()
        #expect(taken8 == ["notice clientLeftWhileAtHandler", "closeNow"])
        c.machine.closed(now: c.now)
        let taken9 = c.take()
        #expect(taken9 == ["handlerRequestEnded", "tellHandlersClosed [0]"])
    }

    @Test func aHalfClosedClientIsAnsweredThenClosed() {
        var c = connection()
        c.open()
        c.parsed([.rejected(.notFound)])
        _ = c.take()
        #expect(c.machine.checksEndOfInput)
        c.machine.inputEnded(cutShort: .badRequest, now: c.now)
        let taken10 = c.take()
        #expect(taken10.prefix(2) == ["write canned 400 close", "closeAfterWrites"])
    }

    @Test func continueIsSentOnlyWhenNothingElseIsBeingAnswered() {
        var c = connection()
        c.open()
        c.parsed([.toHandler()])
        _ = c.take()
        c.machine.inputParsed(.consumedAll, midRequest: true, awaitsContinue: true, now: c.now)
        let taken11 = c.take()
        #expect(!taken11.contains("write continue"))
        c.reply(.head(status: 200, "HTTP/1.1 200 OK\r\n\r\n"), .end(keepAlive: true, excessBytes: 0))
        let taken12 = c.take()
        #expect(taken12.contains("write continue"))
    }

    @Test func readsWaitWhileInputIsHeldAndResumeWithIt() {
        var c = connection(maxWaiting: 1)
        c.open()
        c.machine.requestParsed(.toHandler())
        c.machine.inputParsed(.held, midRequest: false, awaitsContinue: false, now: c.now)
        #expect(c.machine.roomForRequests == 1)
        let readsNow = c.machine.readRequested()
        #expect(!readsNow)
        c.reply(.head(status: 200, "HTTP/1.1 200 OK\r\n\r\n"), .end(keepAlive: true, excessBytes: 0))
        _ = c.take()
        c.machine.requestParsed(.toHandler())
        c.machine.inputParsed(.held, midRequest: false, awaitsContinue: false, now: c.now)
        let taken13 = c.take()
        #expect(taken13.first == "parseHeldInput")
        c.machine.inputParsed(.consumedAll, midRequest: false, awaitsContinue: false, now: c.now)
        let taken14 = c.take()
        #expect(taken14.first == "read")
    }

    @Test func aMalformedRequestIsAnswered400AfterThoseBeforeIt() {
        var c = connection()
        c.open()
        c.machine.requestParsed(.toHandler())
        c.machine.inputParsed(.malformed(.badRequest), midRequest: false, awaitsContinue: false, now: c.now)
        let taken15 = c.take()
        #expect(!taken15.contains { $0.hasPrefix("write canned 400") })
        c.reply(.head(status: 200, "HTTP/1.1 200 OK\r\n\r\n"), .end(keepAlive: true, excessBytes: 0))
        let actions = c.take()
        #expect(actions.contains("write canned 400 close"))
        #expect(actions.contains("closeAfterWrites"))
    }

    // MARK: - Timer

    @Test func laterDeadlinesDoNotRescheduleTheTimer() {
        var c = connection()
        c.open()
        let taken16 = c.take(wakes: true)
        #expect(taken16 == ["scheduleWake +30s"])
        c.parsed([.toHandler()])
        let taken17 = c.take(wakes: true)
        #expect(taken17.filter { $0.hasPrefix("scheduleWake") } == ["scheduleWake +10s"])
        c.advance(by: .seconds(5))
        c.reply(.head(status: 200, "HTTP/1.1 200 OK\r\n\r\n"), .end(keepAlive: true, excessBytes: 0))
        let taken18 = c.take(wakes: true)
        #expect(taken18.filter { $0.hasPrefix("scheduleWake") }.isEmpty, "the timer already wakes before these deadlines")
    }

    // MARK: - Reports

    @Test func theAccessLogSeesTheStatusAndTheBytesOfHeadAndBody() throws {
        var c = connection(records: true)
        c.open()
        c.parsed([.toHandler()])
        c.advance(by: .seconds(2))
        c.reply(.head(status: 201, "HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\n"), .body("hello"), .end(keepAlive: true, excessBytes: 0))
        _ = c.take()
        let exchange = try #require(c.reports.first)
        #expect(exchange.status == 201)
        #expect(exchange.bytes == 43 + 5)
        #expect(exchange.bodyBytes == 5)
        #expect(c.now - exchange.started == .seconds(2))
    }

    @Test func aRequestTheClientLeftIsReportedWithNoStatus() throws {
        var c = connection(records: true)
        c.open()
        c.parsed([.toHandler()])
        c.machine.closed(now: c.now)
        _ = c.take()
        #expect(try #require(c.reports.first).status == 0)
    }

    @Test func aFileAnswerAfterTheConnectionClosedIsNotUsed() {
        var c = connection()
        c.open()
        c.parsed([.forFile()])
        #expect(c.machine.awaitsFile)
        c.machine.closed(now: c.now)
        #expect(!c.machine.awaitsFile)
    }
}

/// Bytes for the tests: only their length matters to the connection.
struct TestBytes: ConnectionOutput, ExpressibleByStringLiteral {
    var text: String
    init(_ text: String) { self.text = text }
    init(stringLiteral text: String) { self.text = text }
    var byteCount: Int { text.utf8.count }
}

/// A connection with a manual clock, whose actions are read back as short descriptions.
struct TestConnection {
    var machine: HTTP1Connection<TestBytes>
    var now = Duration.seconds(1000)
    private let start: Duration
    /// What the last `advance` did.
    private(set) var last: [String] = []
    /// Every exchange reported so far.
    private(set) var reports: [Exchange] = []

    init(_ machine: HTTP1Connection<TestBytes>) {
        self.machine = machine
        start = now
    }

    mutating func open() { machine.opened(now: now) }

    mutating func parsed(_ requests: [ParsedRequest]) {
        for request in requests { machine.requestParsed(request) }
        machine.inputParsed(.consumedAll, midRequest: false, awaitsContinue: false, now: now)
    }

    mutating func reply(_ parts: ReplyPart<TestBytes>...) {
        for part in parts { machine.replied(part, now: now) }
    }

    /// Moves the clock and wakes the connection, as its timer would.
    mutating func advance(by duration: Duration, buffered: Int = 0) {
        now += duration
        machine.wake(now: now) { buffered }
        last = take()
    }

    /// The actions asked for since the last call, described; timer schedules only when `wakes`.
    mutating func take(wakes: Bool = false) -> [String] {
        var taken: [String] = []
        while let action = machine.nextAction() { taken.append(describe(action)) }
        return wakes ? taken : taken.filter { !$0.hasPrefix("scheduleWake") }
    }

    private mutating func describe(_ action: HTTP1Connection<TestBytes>.Action) -> String {
        switch action {
        case .write(.canned(let response)):
            return (["write canned \(response.status.code)"] + response.extraHeaders + (response.close ? ["close"] : []))
                .joined(separator: " ")
        case .write(.continueInterim): return "write continue"
        case .write(.output(let bytes)): return "write output(\(bytes.byteCount))"
        case .submit(let submission): return "submit token=\(submission.token)"
        case .startUploadStream(let handler, let token): return "startUploadStream handler=\(handler) token=\(token)"
        case .spliceToBackend: return "spliceToBackend"
        case .startProxy(let request, let token, let keepAlive):
            return "startProxy \(request.head.method.rawValue) \(request.head.uri) token=\(token)\(keepAlive ? "" : " close")"
        case .serveFile: return "serveFile"
        case .parseHeldInput: return "parseHeldInput"
        case .read: return "read"
        case .closeAfterWrites: return "closeAfterWrites"
        case .closeNow: return "closeNow"
        case .report(let exchange, _):
            reports.append(exchange)
            return "report"
        case .scheduleWake(let time): return "scheduleWake +\((time - start).components.seconds)s"
        case .handlerRequestEnded: return "handlerRequestEnded"
        case .notice(let notice): return "notice \(notice)"
        case .tellHandlersClosed(let handlers, let notify): return "tellHandlersClosed \(handlers)\(notify ? "" : " silently")"
        case .handOver(let handOver): return "handOver handlers=\(handOver.handlers) lastToken=\(handOver.lastToken)"
        }
    }
}

extension ParsedRequest {
    static func toHandler(keepAlive: Bool = true) -> ParsedRequest {
        ParsedRequest(disposition: .handler(index: 0, message: [1, 2, 3], upload: nil), isHead: false, keepAlive: keepAlive)
    }

    static func rejected(_ status: HTTPStatus) -> ParsedRequest {
        ParsedRequest(disposition: .reject(status, extraHeaders: []), isHead: false, keepAlive: true)
    }

    static func forFile() -> ParsedRequest {
        ParsedRequest(
            disposition: .directory(
                DirectoryConfiguration(base: "/tmp/"), relativePath: Array("a.txt".utf8), requestPath: "/a.txt",
                conditions: FileConditions(RequestHead())),
            isHead: false, keepAlive: true)
    }
}
