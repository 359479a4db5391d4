import Logging
import LurcherProtocol
import NIOConcurrencyHelpers
import NIOCore
import ZeroMQ

/// What every handler's dispatch shares on the dispatch thread: the loop, the connections, and the limits on
/// held requests.
///
/// Touched only on the dispatch thread (see ``HandlerDispatches``).
final class DispatchContext {
    let loop: ZMQLoop
    let logger: Logger
    let holdTimeout: Duration
    /// Where jobs take their ids, so that they never share one with a client connection.
    let ids: ConnectionIDs
    /// Called with a handler's name (and the process id, when the handler says it) once a handler process can
    /// take requests and its replies can reach the gateway: the supervisor's readiness signal.
    let handlerReady: @Sendable (String, Int32?) -> Void
    private let maxHeld: Int
    private let connections: NIOLockedValueBox<[UInt64: ConnectionSink]>
    /// Every dispatch's held requests; set by ``HandlerDispatches`` once all dispatches exist.
    var heldEverywhere: () -> Int = { 0 }
    /// What flow-controlled handlers have sent each connection and it has not written yet.
    var downloadCredits = DownloadCredits()
    /// Events held back while ``gatheringEvents(_:)`` runs.
    private var outbox = EventOutbox()
    private var gathering = false

    init(
        loop: ZMQLoop, logger: Logger, holdTimeout: Duration, maxHeld: Int, ids: ConnectionIDs,
        connections: NIOLockedValueBox<[UInt64: ConnectionSink]>, handlerReady: @escaping @Sendable (String, Int32?) -> Void
    ) {
        self.loop = loop
        self.logger = logger
        self.holdTimeout = holdTimeout
        self.maxHeld = maxHeld
        self.ids = ids
        self.connections = connections
        self.handlerReady = handlerReady
    }

    /// Whether one more request may be held, across every handler: the queue is bounded so a dead pool cannot
    /// eat the gateway's memory.
    var canHoldAnother: Bool { heldEverywhere() < maxHeld }

    /// Runs `body` (a batch of replies off one socket), holding back every event it tells a connection; then
    /// each event loop gets its share in one task. Under load that is one hop per loop and batch rather than
    /// one per reply. Nested, the outermost call sends.
    func gatheringEvents(_ body: () -> Void) {
        guard !gathering else { return body() }
        gathering = true
        body()
        gathering = false
        outbox.send()
    }

    /// Sends `event` to a connection now, or with the batch being gathered.
    private func deliver(_ event: DispatcherEvent, to sink: ConnectionSink) {
        if gathering {
            outbox.add(event, to: sink)
        } else {
            sink.deliver(event)
        }
    }

    /// Tells a request's origin what became of it: a client connection on its event loop, a job through the
    /// broker's `jobs` (a job that was merely dispatched has nothing to hear until its answer).
    func report(_ outcome: DispatchOutcome, for origin: RequestOrigin, jobs: JobFrontend? = nil) {
        switch origin {
        case .connection(let id, let token):
            if let sink = connections.withLockedValue({ $0[id] }) { deliver(outcome.event(token: token), to: sink) }
        case .job(let id):
            jobs?.report(outcome, for: id)
        }
    }

    /// Tells the client connection `id` of `event`, if it is still open.
    func tell(_ event: DispatcherEvent, connection id: UInt64) {
        if let sink = connections.withLockedValue({ $0[id] }) { deliver(event, to: sink) }
    }

    /// Passes a handler's reply to the connections it names. The caller gathers (``gatheringEvents(_:)``), so that
    /// both events of a flow-controlled reply reach the connection's loop in one task.
    /// - Parameters:
    ///   - credits: for a flow-controlled handler, where its credits go once each connection has written the
    ///     reply (``DownloadReceipt`` without its byte count); nil for any other.
    ///   - unknown: called for each connection id that has no open connection; the handler should hear that the
    ///     client is gone, so it stops streaming to it.
    func relay(
        _ reply: DecodedReply, to ids: [UInt64], credits: (handler: Int, process: [UInt8]?)?, from handler: String,
        unknown: (UInt64) -> Void
    ) {
        let event: DispatcherEvent = reply.body.isEmpty ? .close : .reply(ByteBuffer(bytes: reply.body))
        for id in ids {
            guard let sink = connections.withLockedValue({ $0[id] }) else {
                unknown(id)
                continue
            }
            guard let credits, !reply.body.isEmpty else {
                deliver(event, to: sink)
                continue
            }
            guard downloadCredits.take(reply.body.count, for: id) else {
                logger.warning(
                    "handler overdrew its download credits; closing the connection",
                    metadata: ["handler": "\(handler)", "connection": "\(id)", "bytes": "\(reply.body.count)"])
                deliver(.creditsOverdrawn, to: sink)
                continue
            }
            deliver(event, to: sink)
            deliver(.whenWritten(DownloadReceipt(handler: credits.handler, process: credits.process, bytes: reply.body.count)), to: sink)
        }
    }

    /// Decodes a handler's reply message, logging and returning nil when it is malformed (counted in `malformed`)
    /// or an extended reply, which is carried out here (see ``control(_:command:from:gone:)``).
    /// - Parameter gone: called for each id an extended reply names that has no open connection.
    func decodeReply(
        _ message: [UInt8], from handler: String, malformed: inout Int, gone: (UInt64) -> Void
    ) -> (reply: DecodedReply, ids: [UInt64])? {
        let reply: DecodedReply
        do {
            reply = try WireReply.decode(message)
        } catch {
            malformed += 1
            logger.warning(
                "dropping malformed reply", metadata: ["handler": "\(handler)", "error": "\(error)", "bytes": "\(message.count)"])
            return nil
        }
        switch reply.target {
        case .connections(let ids):
            return (reply, ids)
        case .control(let ids, let command):
            control(ids ?? [], command: command, from: handler, gone: gone)
            return nil
        }
    }

    /// Carries out an extended reply: the connections it names that are open are told what to do, and those that
    /// are gone are reported to `gone` (except for `cancel`), as Mongrel2 does, so that a handler can use
    /// `keep-alive` to learn which of its clients have left. Straight to the connections, past any broker's
    /// ledger: a control answers no request.
    func control(_ ids: [UInt64], command: TNetString, from handler: String, gone: (UInt64) -> Void) {
        let control = ConnectionControl(command)
        let metadata: Logger.Metadata = ["handler": "\(handler)", "connections": "\(ids.count)"]
        switch control {
        case .malformed(let reason):
            logger.warning("ignoring malformed extended reply: \(reason)", metadata: metadata)
        case .rejected(let reason):
            logger.warning("extended reply rejected (\(reason)); closing its connections", metadata: metadata)
        case .ctl(_, _, _, let refused?):
            logger.warning("refusing ctl credits: \(refused)", metadata: metadata)
        case .ctl:
            break
        }
        if ids.isEmpty { logger.warning("ignoring extended reply without connection ids", metadata: metadata) }
        let events = control.events
        for id in ids {
            if let sink = connections.withLockedValue({ $0[id] }) {
                for event in events { deliver(event, to: sink) }
            } else if control.noticesGoneConnections {
                gone(id)
            }
        }
    }
}
