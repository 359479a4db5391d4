extension ZMQLoop {
    /// Identifies a timer made with ``ZMQLoop/schedule(at:_:)``, to cancel it.
    public struct TimerID: Hashable, Sendable {
        let rawValue: UInt64
    }
}

/// Pending timers: a binary min-heap ordered by deadline, then by creation,
/// with cancelled timers removed lazily when they reach the top.
struct TimerQueue {
    private struct Entry {
        var deadline: ContinuousClock.Instant
        var id: UInt64

        func fires(before other: Entry) -> Bool {
            (deadline, id) < (other.deadline, other.id)
        }
    }

    private var heap: [Entry] = []
    private var bodies: [UInt64: () -> Void] = [:]
    private var nextID: UInt64 = 0

    mutating func schedule(at deadline: ContinuousClock.Instant, _ body: @escaping () -> Void) -> ZMQLoop.TimerID {
        nextID += 1
        bodies[nextID] = body
        heap.append(Entry(deadline: deadline, id: nextID))
        siftUp(heap.count - 1)
        return ZMQLoop.TimerID(rawValue: nextID)
    }

    mutating func cancel(_ id: ZMQLoop.TimerID) {
        bodies[id.rawValue] = nil
    }

    /// The earliest live deadline.
    mutating func earliestDeadline() -> ContinuousClock.Instant? {
        while let top = heap.first, bodies[top.id] == nil { popTop() }
        return heap.first?.deadline
    }

    /// Removes and returns the ids of timers due at `now`, earliest first.
    /// Bodies stay stored until ``take(_:)`` so one due timer can still cancel another.
    mutating func popDue(now: ContinuousClock.Instant) -> [UInt64] {
        var due: [UInt64] = []
        while let top = heap.first, top.deadline <= now {
            popTop()
            if bodies[top.id] != nil { due.append(top.id) }
        }
        return due
    }

    /// Removes a timer's body, or returns nil when it was cancelled.
    mutating func take(_ id: UInt64) -> (() -> Void)? {
        bodies.removeValue(forKey: id)
    }

    mutating func removeAll() {
        heap.removeAll()
        bodies.removeAll()
    }

    private mutating func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].fires(before: heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            var first = parent
            for child in [2 * parent + 1, 2 * parent + 2] where child < heap.count && heap[child].fires(before: heap[first]) {
                first = child
            }
            if first == parent { return }
            heap.swapAt(parent, first)
            parent = first
        }
    }
}
