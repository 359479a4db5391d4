import LurcherOperations

/// The access log and the event publisher: the last to stop, so that every request answered on the way
/// down is logged and published.
struct OperationsService: StagedService {
    let operations: Operations
    let lifecycle: StartLifecycle

    func stop(_: Void, now: Bool) async {
        operations.close()
    }
}
