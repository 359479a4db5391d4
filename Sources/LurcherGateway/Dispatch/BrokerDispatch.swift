import Foundation
import LurcherConfiguration
import LurcherProtocol
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// A broker-mode handler: the gateway binds a ROUTER, handler processes connect DEALER sockets and say how many
/// requests they take at once (``BrokerMessage``).
///
/// Because the gateway knows which process holds which request, nothing is lost when a process stops: a
/// process that is leaving gets no new work and finishes what it holds, and the safe requests (GET, HEAD,
/// OPTIONS) of one that dies are sent once more to another. Requests wait in the gateway while no process has
/// room.
final class BrokerDispatch: HandlerDispatch {
    let name: String
    private let index: Int
    private let configuration: BrokerConfiguration
    private let sendIdent: [UInt8]
    private let encoding: HeaderEncoding
    private let downloadFlowControl: Bool
    private let context: DispatchContext
    private let router: ZMQSocket
    private var jobs: JobFrontend?
    private var held: HeldQueue<ZMQLoop>!
    private var workers: [[UInt8]: BrokerWorker] = [:]
    private var ledger = BrokerLedger()
    /// The process each open WebSocket's messages go to: the one that took its handshake.
    private var webSockets: [UInt64: [UInt8]] = [:]
    /// The request id of each connection's streamed upload's first message, whose process takes its pieces.
    private var uploads: [UInt64: UInt64] = [:]
    private var dispatchCount: UInt64 = 0
    private var dispatched = 0
    /// Replies dropped because they were not Mongrel2 replies, and requests sent again after their process went
    /// away, since the gateway started.
    private var malformedReplies = 0
    private var redispatched = 0

    /// How long after the supervisor reports a process's exit its last messages may still be in flight to the
    /// gateway; only then are the requests it still holds given up, so an answer it sent just before exiting
    /// is not mistaken for a missing one.
    static let exitGrace: Duration = .milliseconds(100)

    /// Binds the ROUTER (and the job endpoint, if configured) and starts the heartbeat.
    init(
        index: Int, configuration handler: HandlerConfiguration, broker: BrokerConfiguration, replyTimeout: Duration,
        zmq: ZMQContext, context: DispatchContext
    ) throws {
        name = handler.name
        self.index = index
        downloadFlowControl = handler.downloadFlowControl
        configuration = broker
        sendIdent = Array(handler.sendIdent.utf8)
        encoding = handler.headerEncoding
        self.context = context
        router = try ZMQSocket(context: zmq, type: .router)
        do {
            try router.setLinger(.zero)
            // A send to a process that has gone fails instead of vanishing, so its requests can go elsewhere.
            try router.setRouterMandatory(true)
            // Each process holds at most its concurrency in requests; heartbeats to a stalled one must not block.
            try router.setSendHighWaterMark(0)
            if let curve = handler.curve { try router.makeCurveServer(secretKey: curve.secretKey, domain: handler.name) }
            try router.bind(handler.sendSpec)
        } catch {
            throw GatewayError.cannotBind(handler: handler.name, key: "send_spec", underlying: "\(error)")
        }
        held = HeldQueue(timers: context.loop) { [unowned self] request in report(.unavailable, for: request) }
        if let jobSpec = broker.jobSpec {
            jobs = try JobFrontend(
                configuration: handler, jobSpec: jobSpec, replyTimeout: replyTimeout, zmq: zmq, context: context
            ) { [unowned self] job in submit(job) }
        }
        context.loop.register(router, interest: .readable) { [unowned self] _, _ in receive() }
        scheduleHeartbeat()
    }

    var heldCount: Int { held.count }

    func snapshot() -> GatewayStatus.Handler {
        let now = ContinuousClock.now
        return GatewayStatus.Handler(
            name: name, mode: "broker", connected: workers.count, held: held.count, dispatched: dispatched,
            malformedReplies: malformedReplies, redispatched: redispatched, webSockets: webSockets.count,
            processes: workers.values.sorted { ($0.processID ?? 0) < ($1.processID ?? 0) }.map { $0.snapshot(now: now) })
    }

    // MARK: - Requests

    func submit(_ request: HeldRequest) {
        dispatched += 1
        if request.webSocketMessage { return submitToHolder(request) }
        if case .piece = request.streamedUpload { return submitUploadPiece(request) }
        // Behind waiting requests a new one takes its turn, so that waiting is first come, first served.
        if held.isEmpty, let worker = leastRecentlyUsedWithRoom(), send(request, to: worker) { return }
        guard context.canHoldAnother else {
            context.logger.warning("request held queue is full; answering 503", metadata: ["handler": "\(name)"])
            report(.unavailable, for: request)
            return
        }
        if held.isEmpty, workers.isEmpty {
            context.logger.info("no handler process connected; holding requests", metadata: ["handler": "\(name)"])
        }
        held.append(request)
        // A send that failed above gave its process up; another may have room now.
        pump()
    }

    func connectionClosed(_ connectionID: UInt64, notify: Bool) {
        held.removeAll(connectionID: connectionID)
        uploads[connectionID] = nil
        if let holder = webSockets.removeValue(forKey: connectionID) { workers[holder]?.webSockets.remove(connectionID) }
        let (identity, abandoned) = ledger.connectionClosed(connectionID)
        if notify, let identity, workers[identity] != nil {
            sendDisconnectNotice(connectionID: connectionID, to: identity)
        }
        // Nobody waits for the answer any more, so its place is free now, as nginx drops the upstream request of
        // a client that left: the notice tells the process to give it up, and a late REPLY or DONE for it
        // finds nothing to finish.
        if let abandoned {
            workers[abandoned.request.worker]?.requests.remove(abandoned.requestID)
            workers[abandoned.request.worker]?.webSocketMessages.remove(abandoned.requestID)
            pump()
        }
    }

    // MARK: - WebSockets

    /// Pins the WebSocket to the process that took its handshake, which keeps it until it closes or the process
    /// goes.
    func webSocketOpened(_ connectionID: UInt64) {
        guard let identity = ledger.lastWorker(of: connectionID), let worker = workers[identity] else {
            context.tell(.webSocketHolderGone(stopped: false), connection: connectionID)
            return
        }
        webSockets[connectionID] = identity
        worker.webSockets.insert(connectionID)
    }

    /// Sends a WebSocket's message to the process holding the WebSocket, whatever its room: the message is part of
    /// a session it already has. It finishes the message (DONE, or a REPLY with its id) once it has taken it.
    private func submitToHolder(_ request: HeldRequest) {
        guard let identity = webSockets[request.origin.connectionID], let worker = workers[identity] else {
            return report(.handlerLost, for: request)
        }
        let requestID = ledger.nextRequestID()
        guard sendMessage(.request(requestID: requestID, payload: request.message), to: identity) else {
            // A failed send gave the process up, which told the WebSocket already.
            return
        }
        worker.webSocketMessages.insert(requestID)
        ledger.sent(request, as: requestID, to: identity)
    }

    // MARK: - Streamed uploads

    /// Sends a piece of a streamed upload to the process holding its first message, whatever its room: the piece
    /// is part of a request it already has. No DONE is expected for it (one is ignored). When that process has
    /// gone, or has finished the upload, nothing else could make sense of the piece.
    private func submitUploadPiece(_ request: HeldRequest) {
        guard let startID = uploads[request.origin.connectionID], let holder = ledger.inFlight[startID]?.worker,
            workers[holder] != nil
        else { return report(.handlerLost, for: request) }
        // A failed send gave the process up, which answered the upload's request already.
        _ = sendMessage(.request(requestID: ledger.nextRequestID(), payload: request.message), to: holder)
    }

    /// Sends waiting requests to processes with room, least recently used first.
    ///
    /// A request leaves the queue only once sent. A failed send gives its process up, which pumps again from
    /// inside `drop` with the request still in front, so this pass stops there: going on would pick the same
    /// process again, or take the queue out of order.
    private func pump() {
        while let request = held.first, let worker = leastRecentlyUsedWithRoom() {
            guard send(request, to: worker) else { return }
            _ = held.removeFirst()
            report(.dispatched, for: request)
        }
    }

    private func leastRecentlyUsedWithRoom() -> BrokerWorker? {
        var best: BrokerWorker?
        for worker in workers.values where worker.hasRoom {
            if best == nil || worker.lastDispatch < best!.lastDispatch { best = worker }
        }
        return best
    }

    /// Sends a request to `worker`; false (and the worker given up) when it has gone.
    private func send(_ request: HeldRequest, to worker: BrokerWorker) -> Bool {
        let requestID = ledger.nextRequestID()
        guard sendMessage(.request(requestID: requestID, payload: request.message), to: worker.identity) else { return false }
        dispatchCount += 1
        worker.lastDispatch = dispatchCount
        worker.requests.insert(requestID)
        ledger.sent(request, as: requestID, to: worker.identity)
        if case .start = request.streamedUpload { uploads[request.origin.connectionID] = requestID }
        context.logger.debug(
            "request sent to process",
            metadata: ["handler": "\(name)", "pid": "\(worker.processID.map(String.init) ?? "?")", "connection": "\(request.origin.connectionID)"])
        return true
    }

    /// Tells a request's origin, connection or job, what became of it.
    private func report(_ outcome: DispatchOutcome, for request: HeldRequest) {
        context.report(outcome, for: request.origin, jobs: jobs)
    }

    /// A request is done: free its place and send the next waiting one.
    private func finish(_ requestID: UInt64, by worker: BrokerWorker) {
        if worker.webSocketMessages.remove(requestID) != nil {
            if let finished = ledger.remove(requestID) { report(.dispatched, for: finished.request) }
            return
        }
        guard worker.requests.remove(requestID) != nil, let finished = ledger.remove(requestID) else { return }
        if case .job(let id) = finished.request.origin { jobs?.finished(id) }
        pump()
    }

    // MARK: - Messages from handlers

    private func receive() {
        context.gatheringEvents(receiveBatch)
    }

    private func receiveBatch() {
        // Bounded, so one busy handler cannot starve the others' sockets.
        for _ in 0..<1024 {
            let frames: [[UInt8]]?
            do {
                frames = try router.receiveMultipart(dontWait: true)
            } catch {
                context.logger.error("cannot receive from handler", metadata: ["handler": "\(name)", "error": "\(error)"])
                return
            }
            guard let frames else { return }
            let identity = frames[0]
            do {
                handle(try BrokerMessage(frames: Array(frames.dropFirst())), from: identity)
            } catch {
                context.logger.warning("dropping malformed broker message", metadata: ["handler": "\(name)", "error": "\(error)"])
            }
        }
    }

    private func handle(_ message: BrokerMessage, from identity: [UInt8]) {
        let worker = workers[identity]
        worker?.lastHeard = .now
        switch message {
        case .ready(let concurrency, let processID):
            if let worker {
                worker.concurrency = concurrency
            } else {
                workers[identity] = BrokerWorker(identity: identity, processID: processID, concurrency: concurrency, now: .now)
                context.logger.info(
                    "handler process ready",
                    metadata: ["handler": "\(name)", "pid": "\(processID.map(String.init) ?? "?")", "concurrency": "\(concurrency)"])
                context.handlerReady(name, processID)
            }
            pump()
        case .reply(let payload, let finishing):
            guard let worker else { return refuse(identity, reason: "reply") }
            relay(payload, from: worker)
            if let finishing { finish(finishing, by: worker) }
        case .done(let requestID):
            guard let worker else { return refuse(identity, reason: "done") }
            finish(requestID, by: worker)
        case .leaving:
            if let worker, !worker.leaving {
                worker.leaving = true
                context.logger.info(
                    "handler process leaving", metadata: ["handler": "\(name)", "pid": "\(worker.processID.map(String.init) ?? "?")"])
            }
            // No request is sent after this, so the process knows that once it has finished its own, it may exit.
            _ = sendMessage(.left, to: identity)
            pump()
        case .heartbeat:
            if worker == nil { refuse(identity, reason: "heartbeat") }
        case .request, .event, .left, .disconnect:
            context.logger.warning("handler sent a gateway's command; ignoring it", metadata: ["handler": "\(name)"])
        }
    }

    /// A message from a process the gateway does not know (it gave the process up, or the gateway restarted):
    /// what it says cannot be trusted to be current, so it is told to start over.
    private func refuse(_ identity: [UInt8], reason: String) {
        context.logger.debug("message from an unknown handler process; asking it to reconnect", metadata: ["handler": "\(name)", "message": "\(reason)"])
        _ = sendMessage(.disconnect, to: identity)
    }

    /// Passes a reply payload to its connections (and jobs), noting which requests have begun to be answered.
    private func relay(_ payload: [UInt8], from worker: BrokerWorker) {
        guard
            let (reply, ids) = context.decodeReply(
                payload, from: name, malformed: &malformedReplies,
                gone: { sendDisconnectNotice(connectionID: $0, to: worker.identity) })
        else { return }
        var connections: [UInt64] = []
        connections.reserveCapacity(ids.count)
        for id in ids {
            switch ledger.route(replyTo: id, from: worker.identity) {
            case .connection(let id):
                connections.append(id)
            case .job(let id):
                if jobs?.received(reply.body, for: id) != true { sendDisconnectNotice(connectionID: id, to: worker.identity) }
            case .staleAttempt:
                context.logger.debug("dropping a reply to a request sent again", metadata: ["handler": "\(name)", "connection": "\(id)"])
            case .refused:
                sendDisconnectNotice(connectionID: id, to: worker.identity)
            }
        }
        context.relay(reply, to: connections, credits: downloadFlowControl ? (index, worker.identity) : nil, from: name) {
            sendDisconnectNotice(connectionID: $0, to: worker.identity)
        }
    }

    /// To the process that sent the reply; one that has gone since has no use for them.
    func sendCredits(_ bytes: Int, connectionID: UInt64, process: [UInt8]?) {
        guard let process, workers[process] != nil else { return }
        var event: [UInt8] = []
        CreditsEvent.append(sender: sendIdent, connectionID: connectionID, bytes: bytes, encoding: encoding, to: &event)
        _ = sendMessage(.event(payload: event), to: process)
    }

    private func sendDisconnectNotice(connectionID: UInt64, to identity: [UInt8]) {
        var notice: [UInt8] = []
        DisconnectEvent.append(sender: sendIdent, connectionID: connectionID, encoding: encoding, to: &notice)
        _ = sendMessage(.event(payload: notice), to: identity)
    }

    /// Sends one message to a process; false when it has gone, which also gives it up.
    private func sendMessage(_ message: BrokerMessage, to identity: [UInt8]) -> Bool {
        do {
            if try router.send(parts: [identity] + message.frames, dontWait: true) { return true }
            context.logger.warning("handler process's queue is full", metadata: ["handler": "\(name)"])
            return false
        } catch let error as ZMQError where error.code == EHOSTUNREACH {
            DispatchCounters.sendFailures.add(1, ordering: .relaxed)
            if let worker = workers[identity] { drop(worker, reason: "its connection is gone") }
            return false
        } catch {
            DispatchCounters.sendFailures.add(1, ordering: .relaxed)
            context.logger.error("cannot send to handler", metadata: ["handler": "\(name)", "error": "\(error)"])
            return false
        }
    }

    // MARK: - Liveness

    func processExited(_ processID: Int32, stopped: Bool) {
        guard let worker = workers.values.first(where: { $0.processID == processID }) else { return }
        worker.exited = true
        worker.stopped = stopped
        context.loop.schedule(after: Self.exitGrace) { [weak self, weak worker] in
            guard let self, let worker else { return }
            receive()
            if workers[worker.identity] === worker { drop(worker, reason: "its process exited") }
        }
    }

    private func scheduleHeartbeat() {
        context.loop.schedule(after: configuration.heartbeatInterval) { [weak self] in
            guard let self else { return }
            heartbeat()
            scheduleHeartbeat()
        }
    }

    /// Tells every process the gateway is alive, and gives up those that have been silent too long.
    private func heartbeat() {
        let now = ContinuousClock.now
        for worker in Array(workers.values) {
            let silence = now - worker.lastHeard
            if silence > configuration.expiry {
                drop(worker, reason: "it stopped sending heartbeats (silent for \(String(format: "%.2f", silence.inSeconds)) s)")
            } else {
                _ = sendMessage(.heartbeat, to: worker.identity)
            }
        }
        jobs?.expire(now: now)
    }

    /// Forgets a process that has gone. Its safe requests that have not begun to be answered go to another
    /// process, once; the others are answered 502.
    private func drop(_ worker: BrokerWorker, reason: String) {
        guard workers.removeValue(forKey: worker.identity) != nil else { return }
        let metadata: [String: String] = [
            "handler": name, "pid": worker.processID.map(String.init) ?? "?", "requests": "\(worker.requests.count)",
        ]
        if worker.leaving && worker.requests.isEmpty {
            context.logger.info("handler process left", metadata: metadata.mapValues { .string($0) })
        } else {
            context.logger.warning("handler process gone: \(reason)", metadata: metadata.mapValues { .string($0) })
        }
        // Its WebSockets close: 1012 when it left gracefully, so that clients reconnect to another process.
        for connectionID in worker.webSockets {
            webSockets[connectionID] = nil
            context.tell(.webSocketHolderGone(stopped: worker.leaving || worker.stopped), connection: connectionID)
        }
        for requestID in worker.webSocketMessages { _ = ledger.remove(requestID) }
        var retried = 0
        // Newest first, so that once each is put back in front the oldest leads.
        for requestID in worker.requests.sorted(by: >) {
            guard let lost = ledger.remove(requestID) else { continue }
            if lost.request.retriable, !lost.request.redispatched, !lost.answered {
                var again = lost.request
                again.redispatched = true
                again.deadline = .now + context.holdTimeout
                held.prepend(again)
                retried += 1
            } else {
                report(.handlerLost, for: lost.request)
            }
        }
        redispatched += retried
        if retried > 0 { context.logger.info("sending lost requests to another process", metadata: ["handler": "\(name)", "requests": "\(retried)"]) }
        pump()
    }
}
