// A chat room over WebSockets: every text message a client sends goes to every client connected to this
// process, the sender included. static/websocket-chat.html is a page to talk to it.
//
// Push mode spreads a WebSocket's messages over every process of a handler, so run one process (or use broker
// mode, where each process has a room of its own). Under `lurcher start` it reads its endpoints from the
// environment; by hand:
//   chat-handler --send-spec tcp://127.0.0.1:9993 --recv-spec tcp://127.0.0.1:9992

import Foundation
import LurcherHandler
import Synchronization

/// The sockets of the clients connected to this process.
final class Room: Sendable {
    private let sockets = Mutex<Set<WebSocket>>([])

    var members: Set<WebSocket> { sockets.withLock { $0 } }

    func join(_ socket: WebSocket) { sockets.withLock { _ = $0.insert(socket) } }

    func leave(_ socket: WebSocket) { sockets.withLock { _ = $0.remove(socket) } }
}

do {
    let connection = try HandlerConnection(settings: .fromCommandLine())
    let room = Room()
    try await connection.run(webSocket: { _, socket in
        room.join(socket)
        defer { room.leave(socket) }
        for try await message in socket.messages {
            guard case .text = message else { continue }
            try await connection.broadcast(message, to: room.members)
        }
    })
} catch {
    FileHandle.standardError.write(Data("chat-handler: \(error)\n".utf8))
    exit(1)
}
