import Foundation
import Logging
import LurcherConfiguration
import Synchronization
import ZeroMQ

/// Mongrel2's control port: a ZeroMQ REP socket on a thread of its own that answers each request with
/// ``ControlPortCommands``.
///
/// A REP socket takes REQ clients (m2sh) and DEALER clients that send an empty delimiter frame first. It
/// answers one request at a time: while an answer is being worked out (a `status` visits every event loop)
/// the socket is not read.
public final class ControlPort: Sendable {
    /// The endpoint bound, with the real port when the configuration gave port 0.
    public let endpoint: String
    private let thread: ZMQLoopThread
    private let socketPath: String?

    /// Requests larger than this disconnect their client before they are read: no command needs a megabyte.
    static let maximumRequestBytes = 1 << 20
    /// How long a reply may take to leave once the port is closing, such as the reply to `stop`.
    static let linger = Duration.seconds(1)

    /// Binds the socket (an ipc socket file with mode 0600) and starts answering.
    /// - Throws: a `ZMQError` or file system error when the endpoint cannot be bound.
    public init(configuration: ControlPortConfiguration, target: any ControlPortTarget, logger: Logger) throws {
        let commands = ControlPortCommands(target: target)
        let thread = ZMQLoopThread(name: "lurcher-control", context: ZMQContext())
        let bound = Mutex<String?>(nil)
        try thread.start { loop in
            let socket = try ZMQSocket(context: loop.context, type: .rep)
            try socket.setLinger(Self.linger)
            try socket.setMaximumMessageSize(Self.maximumRequestBytes)
            if let path = configuration.socketPath {
                try Self.bindPrivately(socket, path: path)
            } else {
                try socket.setIPv6(configuration.endpoint.contains("["))
                try socket.bind(configuration.endpoint)
            }
            let endpoint = (try? socket.lastEndpoint) ?? configuration.endpoint
            bound.withLock { $0 = endpoint }
            let server = ControlPortServer(
                socket: socket, thread: thread, commands: commands, target: target, socketPath: configuration.socketPath,
                logger: logger)
            loop.register(socket, interest: .readable) { _, _ in server.requestArrived(loop: loop) }
        }
        self.thread = thread
        endpoint = configuration.socketPath.map { "ipc://\($0)" } ?? bound.withLock { $0! }
        socketPath = configuration.socketPath
    }

    /// Stops answering and removes the ipc socket file. A reply already sent still has ``linger`` to leave.
    public func close() {
        thread.shutdown()
        if let socketPath { try? FileManager.default.removeItem(atPath: socketPath) }
    }

    /// Binds `path` so that it is never reachable with a looser mode than 0600: the socket is bound under a
    /// temporary name, made private, then renamed into place (replacing a file a dead gateway left).
    private static func bindPrivately(_ socket: ZMQSocket, path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".control-\(getpid())"
        try socket.bind("ipc://" + temporary)
        guard chmod(temporary, 0o600) == 0, rename(temporary, path) == 0 else {
            let error = CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            unlink(temporary)
            throw error
        }
    }
}

/// The control port's state on its thread: the REP socket, and whether it is still open.
private final class ControlPortServer: @unchecked Sendable {
    // @unchecked: made on the control thread, and its methods only ever run there (the loop calls
    // requestArrived, and the answer comes back through thread.execute).
    let socket: ZMQSocket
    let thread: ZMQLoopThread
    let commands: ControlPortCommands
    let target: any ControlPortTarget
    let socketPath: String?
    let logger: Logger

    init(
        socket: ZMQSocket, thread: ZMQLoopThread, commands: ControlPortCommands, target: any ControlPortTarget,
        socketPath: String?, logger: Logger
    ) {
        self.socket = socket
        self.thread = thread
        self.commands = commands
        self.target = target
        self.socketPath = socketPath
        self.logger = logger
    }

    /// Takes one request and works out its answer off the thread; the socket is not read until it is sent.
    func requestArrived(loop: ZMQLoop) {
        let parts: [[UInt8]]?
        do {
            parts = try socket.receiveMultipart(dontWait: true)
        } catch {
            logger.warning("control port receive failed", metadata: ["error": "\(error)"])
            return
        }
        // A REP socket has taken the envelope off; a request of several frames is read by its first, as by
        // Mongrel2.
        guard let request = parts?.first else { return }
        loop.setInterest(socket, [])
        Task { [commands, thread] in
            let answer = await commands.answer(request)
            thread.execute { loop in self.send(answer, loop: loop) }
        }
    }

    private func send(_ answer: ControlPortAnswer, loop: ZMQLoop) {
        do {
            try socket.send(answer.reply)
        } catch {
            logger.warning("control port reply failed", metadata: ["error": "\(error)"])
        }
        switch answer.then {
        case .closePort:
            logger.info("control port stopped by control_stop")
            loop.unregister(socket)
            socket.close()
            if let socketPath { try? FileManager.default.removeItem(atPath: socketPath) }
        case .perform(let action):
            loop.setInterest(socket, .readable)
            target.perform(action)
        case nil:
            loop.setInterest(socket, .readable)
        }
    }
}
