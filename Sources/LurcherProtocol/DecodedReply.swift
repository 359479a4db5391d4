/// A reply as the gateway receives it, decoded by `WireReply.decode(_:)`.
/// Its slices share the message's storage, so decoding copies no body.
public struct DecodedReply: Sendable, Equatable {
    /// Where a reply goes.
    public enum Target: Sendable, Equatable {
        /// An ordinary reply: write the body to these connections (or close
        /// them when the body is empty). Never empty.
        case connections([UInt64])
        /// An extended (`X`) reply carrying a control command, decoded from
        /// the body. `connectionIDs` is nil when the reply named none.
        case control(connectionIDs: [UInt64]?, command: TNetString)
    }

    /// The handler's identity, the bytes before the first space.
    public var sender: ArraySlice<UInt8>
    /// Where the reply goes.
    public var target: Target
    /// Everything after the mandatory space: the bytes to write to the
    /// connections, or the encoded command of an extended reply.
    public var body: ArraySlice<UInt8>

    /// Creates a reply from its parts.
    public init(sender: ArraySlice<UInt8>, target: Target, body: ArraySlice<UInt8>) {
        self.sender = sender
        self.target = target
        self.body = body
    }

    /// Whether this is an ordinary reply with an empty body, which asks to
    /// close its connections once their queued output is written.
    public var isClose: Bool {
        if case .connections = target { return body.isEmpty }
        return false
    }
}
