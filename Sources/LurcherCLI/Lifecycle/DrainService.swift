import LurcherGateway

/// The first step of a graceful stop after the control socket: stop accepting clients, then wait for the
/// requests in flight to be answered, for up to the stop timeout. It is woken by the last answer, not by a poll.
struct DrainService: StagedService {
    let gateway: Gateway
    let timeout: Duration
    let lifecycle: StartLifecycle

    func stop(_: Void, now: Bool) async {
        // An immediate stop leaves the requests in flight to the gateway's shutdown, which closes them.
        if !now { await gateway.drain(timeout: timeout) }
    }
}
