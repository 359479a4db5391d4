import Foundation
import Logging
import LurcherHandler
import ServiceLifecycle
import Testing

/// A handler connection runs as a service in its author's own group, and stops with it.
@Suite struct HandlerServiceTests {
    @Test(.timeLimit(.minutes(1)))
    func theGroupsGracefulShutdownStopsTheServiceAndClosesTheConnection() async throws {
        let directory = NSTemporaryDirectory() + "lurcher-service-" + UUID().uuidString.prefix(8)
        // Nothing is bound there: a handler connects in the background, so it runs without a gateway.
        let connection = try HandlerConnection(
            settings: .init(sendSpec: "ipc://\(directory)-requests", recvSpec: "ipc://\(directory)-replies"))
        let group = ServiceGroup(
            services: [HandlerService(connection: connection) { _ in Response(text: "unused\n") }],
            logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await group.triggerGracefulShutdown()
            try await tasks.next()
        }
        #expect(throws: HandlerError.self) { try connection.send(Array("late".utf8), to: [1], sender: "x") }
    }
}
