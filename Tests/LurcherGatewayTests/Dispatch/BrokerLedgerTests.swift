import Testing

@testable import LurcherGateway

/// A broker routes each part of a reply by the origin of the request it answers: to a connection, to a job held by
/// the replying process, or nowhere.
@Suite struct BrokerLedgerTests {
    private let alpha: [UInt8] = Array("alpha".utf8)
    private let beta: [UInt8] = Array("beta".utf8)

    private func request(_ origin: RequestOrigin, redispatched: Bool = false) -> HeldRequest {
        HeldRequest(origin: origin, message: [], deadline: .now, retriable: true, redispatched: redispatched)
    }

    /// A ledger with `origin`'s request sent to `worker`; returns the request id.
    private func send(_ origin: RequestOrigin, to worker: [UInt8], in ledger: inout BrokerLedger, redispatched: Bool = false) -> UInt64 {
        let id = ledger.nextRequestID()
        ledger.sent(request(origin, redispatched: redispatched), as: id, to: worker)
        return id
    }

    @Test func aReplyToAJobGoesToTheJobAndMarksItAnswered() {
        var ledger = BrokerLedger()
        let requestID = send(.job(id: 7), to: alpha, in: &ledger)
        #expect(ledger.route(replyTo: 7, from: alpha) == .job(7))
        #expect(ledger.inFlight[requestID]?.answered == true)
    }

    @Test func aProcessThatDoesNotHoldAJobCannotReachItByItsID() {
        var ledger = BrokerLedger()
        let requestID = send(.job(id: 7), to: alpha, in: &ledger)
        #expect(ledger.route(replyTo: 7, from: beta) == .refused)
        #expect(ledger.inFlight[requestID]?.answered == false)
    }

    @Test func aFinishedJobsIDReachesNoJob() {
        var ledger = BrokerLedger()
        let requestID = send(.job(id: 7), to: alpha, in: &ledger)
        #expect(ledger.remove(requestID) != nil)
        // Looked up among the open connections, none of which has a job's id (``ConnectionIDs``).
        #expect(ledger.route(replyTo: 7, from: alpha) == .connection(7))
    }

    @Test func aReplyToAConnectionGoesToItFromAnyProcessButOnlyItsHolderMarksItAnswered() {
        var ledger = BrokerLedger()
        let requestID = send(.connection(id: 3, token: 1), to: alpha, in: &ledger)
        #expect(ledger.route(replyTo: 3, from: beta) == .connection(3), "Mongrel2 lets a handler write to any connection")
        #expect(ledger.inFlight[requestID]?.answered == false)
        #expect(ledger.route(replyTo: 3, from: alpha) == .connection(3))
        #expect(ledger.inFlight[requestID]?.answered == true)
        #expect(ledger.route(replyTo: 99, from: alpha) == .connection(99), "nothing waits on it: a connection, if open")
    }

    @Test func aLateAnswerToTheFirstAttemptOfARequestSentAgainIsDropped() {
        var ledger = BrokerLedger()
        let first = send(.connection(id: 3, token: 1), to: alpha, in: &ledger)
        let lost = ledger.remove(first)
        #expect(lost != nil)
        _ = send(.connection(id: 3, token: 1), to: beta, in: &ledger, redispatched: true)
        #expect(ledger.route(replyTo: 3, from: alpha) == .staleAttempt)
        #expect(ledger.route(replyTo: 3, from: beta) == .connection(3))
    }

    @Test func aClosedConnectionNamesItsLastProcessAndAbandonsTheRequestItWaitedOn() {
        var ledger = BrokerLedger()
        let requestID = send(.connection(id: 3, token: 1), to: alpha, in: &ledger)
        _ = send(.job(id: 4), to: beta, in: &ledger)
        let (worker, abandoned) = ledger.connectionClosed(3)
        #expect(worker == alpha)
        #expect(abandoned?.requestID == requestID)
        #expect(ledger.inFlight[requestID] == nil)
        #expect(ledger.inFlight.count == 1, "the job is still in hand")
        let again = ledger.connectionClosed(3)
        #expect(again.lastWorker == nil && again.abandoned == nil)
    }

    @Test func aConnectionClosingCannotAbandonAJob() {
        var ledger = BrokerLedger()
        let requestID = send(.job(id: 5), to: alpha, in: &ledger)
        let (worker, abandoned) = ledger.connectionClosed(5)
        #expect(worker == nil && abandoned == nil)
        #expect(ledger.inFlight[requestID] != nil)
        #expect(ledger.route(replyTo: 5, from: alpha) == .job(5))
    }
}
