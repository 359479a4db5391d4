/// A broker-mode handler's book of the requests its processes hold: which process holds each, and which request
/// each origin waits on, so that a reply is routed by the origin its request came from rather than by its id.
///
/// A plain value, with no sockets, so that tests can drive it; ``BrokerDispatch`` keeps one on the dispatch
/// thread.
struct BrokerLedger {
    /// Requests sent and not yet finished, by request id.
    private(set) var inFlight: [UInt64: BrokerRequest] = [:]
    /// The request each origin waits on, by the id its message carries: a connection is answered one request at
    /// a time, and a job is one request.
    private var waiting: [UInt64: UInt64] = [:]
    /// The process that last took a request from each open connection, which hears when the client leaves.
    private var lastWorker: [UInt64: [UInt8]] = [:]
    private var lastRequestID: UInt64 = 0

    /// The id for the next request sent to a process.
    mutating func nextRequestID() -> UInt64 {
        lastRequestID += 1
        return lastRequestID
    }

    /// Notes that `request` has gone to `worker` as `requestID`.
    mutating func sent(_ request: HeldRequest, as requestID: UInt64, to worker: [UInt8]) {
        inFlight[requestID] = BrokerRequest(request: request, worker: worker)
        waiting[request.origin.connectionID] = requestID
        if case .connection(let id, _) = request.origin { lastWorker[id] = worker }
    }

    /// The process that last took a request from the connection `id`.
    func lastWorker(of id: UInt64) -> [UInt8]? { lastWorker[id] }

    /// Takes a request off the book: it is finished, or lost with its process.
    mutating func remove(_ requestID: UInt64) -> BrokerRequest? {
        guard let removed = inFlight.removeValue(forKey: requestID) else { return nil }
        let connectionID = removed.request.origin.connectionID
        if waiting[connectionID] == requestID { waiting[connectionID] = nil }
        return removed
    }

    /// Where the part of a reply from `worker` that names `id` goes; a request answered by the process that holds
    /// it is noted as begun, so it is never sent to another.
    mutating func route(replyTo id: UInt64, from worker: [UInt8]) -> ReplyDestination {
        guard let requestID = waiting[id], let waitingOn = inFlight[requestID] else {
            // Nothing waits on the id: a connection the handler writes to of its own accord, as Mongrel2 lets it,
            // or one that has closed. A finished job's id ends here too, and finds no connection: none has its id.
            return .connection(id)
        }
        if waitingOn.worker == worker {
            inFlight[requestID]!.answered = true
            switch waitingOn.request.origin {
            case .connection: return .connection(id)
            case .job: return .job(id)
            }
        }
        // A late answer to the first attempt (its process came back under a new identity): the origin gets the
        // second attempt's, and must not get two.
        if waitingOn.request.redispatched { return .staleAttempt }
        switch waitingOn.request.origin {
        case .connection: return .connection(id)
        // Only the process a job was given may answer it: another could only have guessed its id.
        case .job: return .refused
        }
    }

    /// A client connection closed: the process that last took a request from it (to be told), and the request
    /// it was waiting on, now abandoned and off the book.
    mutating func connectionClosed(
        _ id: UInt64
    ) -> (lastWorker: [UInt8]?, abandoned: (requestID: UInt64, request: BrokerRequest)?) {
        let worker = lastWorker.removeValue(forKey: id)
        guard let requestID = waiting[id], inFlight[requestID]?.request.origin.isConnection(id) == true,
            let abandoned = remove(requestID)
        else { return (worker, nil) }
        return (worker, (requestID, abandoned))
    }
}

/// A request sent to a broker-mode handler process and not yet finished.
struct BrokerRequest {
    var request: HeldRequest
    /// The worker that holds it.
    var worker: [UInt8]
    /// Some of its answer has been passed to its origin, so it cannot be sent anywhere else.
    var answered = false
}

/// Where a broker passes the part of a handler's reply that names one id.
enum ReplyDestination: Equatable {
    /// The client connection with this id, if it is open; else the process hears that it has gone.
    case connection(UInt64)
    /// The job with this id, which the replying process holds.
    case job(UInt64)
    /// Nowhere: an answer to a first attempt of a request that has since been sent to another process.
    case staleAttempt
    /// Nowhere, and the process hears that the id has gone: a job it does not hold.
    case refused
}
