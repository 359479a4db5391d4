/// An error from the handler library, saying what went wrong and what to do next.
///
/// Compare against the static members to tell errors apart
/// (`error.code == .missingEnvironment`); ``description`` is meant for people.
public struct HandlerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of error this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case missingEnvironment
            case invalidSetting
            case invalidArgument
            case cannotConnect
            case alreadyRunning
            case closed
            case clientDisconnected
            case streamingBody
            case webSocketClosed
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A required environment variable is not set.
        public static var missingEnvironment: Self { .init(.missingEnvironment) }
        /// A setting, from the environment or an initialiser, has a value that cannot work.
        public static var invalidSetting: Self { .init(.invalidSetting) }
        /// A command-line argument is unknown or lacks its value.
        public static var invalidArgument: Self { .init(.invalidArgument) }
        /// A ZeroMQ socket could not be made or connected.
        public static var cannotConnect: Self { .init(.cannotConnect) }
        /// ``HandlerConnection/run(onDisconnect:_:)`` was called a second time.
        public static var alreadyRunning: Self { .init(.alreadyRunning) }
        /// The connection has shut down and sends nothing more.
        public static var closed: Self { .init(.closed) }
        /// The client went away while its response was being streamed.
        public static var clientDisconnected: Self { .init(.clientDisconnected) }
        /// A streaming response was given where only a complete one can be sent.
        public static var streamingBody: Self { .init(.streamingBody) }
        /// A message was sent on a ``WebSocket`` that has closed.
        public static var webSocketClosed: Self { .init(.webSocketClosed) }

        public var description: String { "\(value)" }
    }

    /// What kind of error this is.
    public let code: Code
    /// What happened, in context, and what to do about it.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func missingEnvironment(_ variable: String) -> Self {
        .init(
            .missingEnvironment,
            "\(variable) is not set. Run this handler under `lurcher start`, which sets it, or pass the gateway's "
                + "endpoints yourself: --send-spec ENDPOINT --recv-spec ENDPOINT (or HandlerSettings(sendSpec:recvSpec:))."
        )
    }

    static func invalidSetting(_ name: String, _ value: String, _ reason: String) -> Self {
        .init(.invalidSetting, "\(name) is \"\(value)\": \(reason)")
    }

    static func cannotConnect(_ what: String, _ endpoint: String, _ error: any Error) -> Self {
        .init(.cannotConnect, "cannot connect the \(what) socket to \(endpoint): \(error); check the endpoint against the gateway's configuration")
    }

    static var alreadyRunning: Self {
        .init(.alreadyRunning, "this HandlerConnection is already running or has run; make a new one")
    }

    static var closed: Self {
        .init(.closed, "the handler connection has shut down; nothing more can be sent on it")
    }

    static func clientDisconnected(_ connectionID: UInt64) -> Self {
        .init(.clientDisconnected, "connection \(connectionID) was closed by the client")
    }

    static var streamingBody: Self {
        .init(.streamingBody, "a streaming response cannot be sent this way; use HandlerConnection.stream(to:status:headers:_:)")
    }

    static func webSocketClosed(_ connectionID: UInt64) -> Self {
        .init(.webSocketClosed, "the WebSocket to connection \(connectionID) has closed; nothing more can be sent on it")
    }
}
