import Foundation
import NIOCore
import NIOPosix

/// Listens on a Unix socket for `lurcher ctl`: one JSON request line in, one JSON response out, then close.
final class ControlServer: Sendable {
    typealias Handler = @Sendable (ControlRequest) async -> ControlResponse

    private let channel: any Channel
    private let path: String

    private init(channel: any Channel, path: String) {
        self.channel = channel
        self.path = path
    }

    /// Binds `path`, replacing a stale socket file left by a gateway that is gone.
    /// - Throws: ``ControlError/alreadyRunning`` when another gateway answers on that path.
    static func start(path: String, handler: @escaping Handler) async throws -> ControlServer {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        if FileManager.default.fileExists(atPath: path) {
            if (try? ControlClient(path: path).send(ControlRequest(command: "status"))) != nil {
                throw ControlError.alreadyRunning(path: path)
            }
            try FileManager.default.removeItem(atPath: path)
        }
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ControlConnectionHandler(handler: handler))
                }
            }
            .bind(unixDomainSocketPath: path).get()
        return ControlServer(channel: channel, path: path)
    }

    /// Stops listening and removes the socket file.
    func close() async {
        try? await channel.close()
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Reads one request line, answers it, closes.
private final class ControlConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let handler: ControlServer.Handler
    private var received = ByteBuffer()
    private var answered = false

    init(handler: @escaping ControlServer.Handler) {
        self.handler = handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        received.writeBuffer(&chunk)
        guard !answered, let newline = received.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if received.readableBytes > 65536 { context.close(promise: nil) }
            return
        }
        answered = true
        let line = Data(received.readableBytesView[..<newline])
        let handler = self.handler
        let channel = context.channel
        Task {
            let response: ControlResponse
            if let request = try? JSONDecoder().decode(ControlRequest.self, from: line) {
                response = await handler(request)
            } else {
                response = .failure("the request is not a JSON control request")
            }
            var bytes = (try? JSONEncoder().encode(response)) ?? Data()
            bytes.append(UInt8(ascii: "\n"))
            try? await channel.writeAndFlush(ByteBuffer(bytes: bytes))
            try? await channel.close()
        }
    }
}
