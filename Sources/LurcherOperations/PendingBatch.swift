/// Items queued for a background writer, bounded, with at most one flush scheduled at a time: the writer
/// takes everything queued in one go, so a burst costs one wake-up.
struct PendingBatch<Item> {
    private var items: [Item] = []
    private var size = 0
    private var flushScheduled = false

    /// Queues `item`, which counts `cost` towards `limit`.
    /// - Returns: nil when it would pass the limit (the item is dropped); otherwise whether the caller must
    ///   schedule a flush, which it must do outside the lock guarding this.
    mutating func add(_ item: Item, cost: Int, limit: Int) -> Bool? {
        guard size + cost <= limit else { return nil }
        items.append(item)
        size += cost
        defer { flushScheduled = true }
        return !flushScheduled
    }

    /// Everything queued, leaving the batch empty and the next ``add(_:cost:limit:)`` to schedule a flush.
    mutating func take() -> [Item] {
        defer {
            items = []
            size = 0
            flushScheduled = false
        }
        return items
    }
}
