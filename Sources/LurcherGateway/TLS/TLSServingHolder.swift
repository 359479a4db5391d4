import Synchronization

/// The ``TLSServing`` new connections take: a reload replaces it, and connections already open keep the one
/// they started with.
final class TLSServingHolder: Sendable {
    private let serving: Mutex<TLSServing>

    init(_ serving: TLSServing) {
        self.serving = Mutex(serving)
    }

    var current: TLSServing { serving.withLock { $0 } }

    func replace(with new: TLSServing) {
        serving.withLock { $0 = new }
    }
}
