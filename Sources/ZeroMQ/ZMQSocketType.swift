import CZeroMQ

/// The ZeroMQ socket patterns this wrapper supports.
public enum ZMQSocketType: Sendable, Hashable, CaseIterable {
    /// Exclusive two-way link between two sockets (`ZMQ_PAIR`).
    case pair
    /// Publisher: fans messages out to every matching subscriber (`ZMQ_PUB`).
    case pub
    /// Subscriber: receives published messages whose prefix it subscribed to (`ZMQ_SUB`).
    case sub
    /// Strict request/reply client (`ZMQ_REQ`).
    case req
    /// Strict request/reply server (`ZMQ_REP`).
    case rep
    /// Asynchronous peer of a ROUTER, load-balancing its sends (`ZMQ_DEALER`).
    case dealer
    /// Addresses peers by routing id: the first frame names the peer (`ZMQ_ROUTER`).
    case router
    /// Receives from PUSH peers, fair-queued (`ZMQ_PULL`).
    case pull
    /// Sends round-robin to PULL peers (`ZMQ_PUSH`).
    case push

    var cValue: Int32 {
        switch self {
        case .pair: ZMQ_PAIR
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        case .req: ZMQ_REQ
        case .rep: ZMQ_REP
        case .dealer: ZMQ_DEALER
        case .router: ZMQ_ROUTER
        case .pull: ZMQ_PULL
        case .push: ZMQ_PUSH
        }
    }
}
