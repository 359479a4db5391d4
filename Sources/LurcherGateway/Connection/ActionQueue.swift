/// The actions a connection's state machine has asked of its glue and the glue has not taken yet, in order.
///
/// Its storage is kept from event to event, so queueing costs no allocation once it has grown.
struct ActionQueue<Action> {
    private var actions: [Action] = []
    private var taken = 0

    mutating func append(_ action: Action) { actions.append(action) }

    /// The next action, or nil when every one queued has been taken (the storage is then reused).
    mutating func next() -> Action? {
        guard taken < actions.count else {
            actions.removeAll(keepingCapacity: true)
            taken = 0
            return nil
        }
        taken += 1
        return actions[taken - 1]
    }
}
