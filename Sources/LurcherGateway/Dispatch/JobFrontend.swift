import LurcherConfiguration
import LurcherProtocol
import ZeroMQ

/// Where plain ZeroMQ clients submit jobs to a broker-mode handler: a ROUTER on the handler's `job_spec`.
///
/// A client sends one frame, the payload (REQ adds its empty delimiter; a DEALER may send it or not). The
/// handler receives it as a request with method `JOB`, path `/` and the payload as its body, and answers as it
/// would answer HTTP. The client gets two frames back, after the same envelope it sent: the status code in
/// ASCII and the response body. The gateway answers `503` when no handler took the job within the hold
/// timeout, `504` when the handler took longer than the reply timeout, and `502` when the handler went away
/// or its answer was not HTTP.
///
/// Touched only on the dispatch thread.
final class JobFrontend {
    private struct Job {
        /// The client's routing id and any delimiter, to send back in front of the answer.
        var envelope: [[UInt8]]
        var response = HTTPResponseParser()
        var deadline: ContinuousClock.Instant
        var malformed = false
    }

    private let socket: ZMQSocket
    private let sendIdent: [UInt8]
    private let encoding: HeaderEncoding
    private let replyTimeout: Duration
    private let context: DispatchContext
    private let handlerName: String
    /// Waiting jobs, by the id their message carries: one taken from ``DispatchContext/ids``, which no client
    /// connection has.
    private var jobs: [UInt64: Job] = [:]

    /// Binds the job endpoint; `submit` is how a job joins the handler's queue.
    init(
        configuration: HandlerConfiguration, jobSpec: String, replyTimeout: Duration, zmq: ZMQContext,
        context: DispatchContext, submit: @escaping (HeldRequest) -> Void
    ) throws {
        handlerName = configuration.name
        sendIdent = Array(configuration.sendIdent.utf8)
        encoding = configuration.headerEncoding
        self.replyTimeout = replyTimeout
        self.context = context
        socket = try ZMQSocket(context: zmq, type: .router)
        do {
            try socket.setLinger(.zero)
            try socket.bind(jobSpec)
        } catch {
            throw GatewayError.cannotBind(handler: configuration.name, key: "job_spec", underlying: "\(error)")
        }
        context.loop.register(socket, interest: .readable) { [unowned self] _, _ in receive(submit: submit) }
    }

    private func receive(submit: (HeldRequest) -> Void) {
        for _ in 0..<1024 {
            let frames: [[UInt8]]?
            do {
                frames = try socket.receiveMultipart(dontWait: true)
            } catch {
                context.logger.error("cannot receive a job", metadata: ["handler": "\(handlerName)", "error": "\(error)"])
                return
            }
            guard let frames, frames.count >= 2 else { return }
            // REQ puts an empty frame between its envelope and the payload; a DEALER need not.
            let delimiter = frames.dropFirst().firstIndex(where: \.isEmpty)
            let envelope = Array(frames[...(delimiter ?? 0)])
            let payload = frames[((delimiter ?? 0) + 1)...]
            guard payload.count <= 1 else {
                answer(envelope: envelope, status: 400, body: Array("a job is one frame\n".utf8))
                continue
            }
            let connectionID = context.ids.next()
            jobs[connectionID] = Job(envelope: envelope, deadline: .now + replyTimeout)
            jobs[connectionID]!.response.reset(answeringHead: false, capturingBody: true)
            submit(
                HeldRequest(
                    origin: .job(id: connectionID), message: message(connectionID: connectionID, payload: payload.first ?? []),
                    deadline: .now + context.holdTimeout, retriable: false))
        }
    }

    /// The job as a Mongrel2 request: `JOB /` with the payload as body.
    private func message(connectionID: UInt64, payload: [UInt8]) -> [UInt8] {
        var headers = RequestHeadersWriter(encoding: encoding, reservingCapacity: 160)
        for (name, value) in [
            ("PATH", "/"), ("METHOD", "JOB"), ("VERSION", "HTTP/1.1"), ("URI", "/"), ("PATTERN", "/"),
            ("content-length", "\(payload.count)"),
        ] {
            headers.append(name: name.utf8, value: value.utf8)
        }
        var message: [UInt8] = []
        WireRequest.append(sender: sendIdent, connectionID: connectionID, path: "/".utf8, headers: headers, body: payload, to: &message)
        return message
    }

    /// Part of a handler's answer to a job; returns false when no such job is waiting.
    func received(_ body: ArraySlice<UInt8>, for connectionID: UInt64) -> Bool {
        guard jobs[connectionID] != nil else { return false }
        if jobs[connectionID]!.response.feed(body) == .malformed { jobs[connectionID]!.malformed = true }
        return true
    }

    /// The handler has finished the job: send the client its answer.
    func finished(_ connectionID: UInt64) {
        guard let job = jobs.removeValue(forKey: connectionID) else { return }
        if job.malformed || job.response.finish() == .malformed || job.response.statusCode == 0 {
            context.logger.warning("handler's answer to a job is not an HTTP response", metadata: ["handler": "\(handlerName)"])
            answer(envelope: job.envelope, status: 502, body: [])
        } else {
            answer(envelope: job.envelope, status: job.response.statusCode, body: job.response.body ?? [])
        }
    }

    /// What became of a job on its way to a handler: one that could not be done is answered now, `503` when no
    /// handler took it in time and `502` when its handler went away.
    func report(_ outcome: DispatchOutcome, for connectionID: UInt64) {
        let status: Int
        switch outcome {
        case .dispatched, .held: return
        case .unavailable: status = 503
        case .handlerLost: status = 502
        }
        guard let job = jobs.removeValue(forKey: connectionID) else { return }
        answer(envelope: job.envelope, status: status, body: [])
    }

    /// Answers 504 for jobs their handler has held past the reply timeout; called on every heartbeat.
    func expire(now: ContinuousClock.Instant) {
        for (connectionID, job) in jobs where job.deadline <= now {
            jobs[connectionID] = nil
            answer(envelope: job.envelope, status: 504, body: [])
        }
    }

    private func answer(envelope: [[UInt8]], status: Int, body: [UInt8]) {
        do {
            try socket.send(parts: envelope + [Array(String(status).utf8), body], dontWait: true)
        } catch {
            context.logger.debug("cannot answer a job client", metadata: ["handler": "\(handlerName)", "error": "\(error)"])
        }
    }
}
