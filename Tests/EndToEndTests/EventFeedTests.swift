import Foundation
import Testing

/// Log events reach a real Message::Passing subscriber (`message-pass`, Debian's libmessage-passing-perl).
@Suite struct EventFeedTests {
    static let messagePass = "/usr/bin/message-pass"

    @Test func messagePassingReceivesARequestEvent() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.messagePass),
            "install libmessage-passing-zeromq-perl (scripts/install-dependencies --test)")
        let gateway = try await pythonGateway(extra: "[events]\npublish = \"tcp://127.0.0.1:*\"")
        let port = try #require(gateway.eventsPort, "the log names the event endpoint")
        let subscriber = try ChildProcess(
            [Self.messagePass, "--input", "ZeroMQ", "--input_options", "{\"connect\":\"tcp://127.0.0.1:\(port)\"}",
             "--output", "STDOUT"],
            outputPath: gateway.directory + "/message-pass.log")

        // PUB drops what is sent before a subscriber has joined, so keep making requests until one's event
        // arrives: that also proves the subscriber is connected.
        var sent = 0
        var event: [String: Any]?
        try await waitUntil("message-pass to print a request event (output: \(subscriber.outputPath))", timeout: .seconds(60)) {
            sent += 1
            let status = try gateway.get("/py/created?n=\(sent)").status
            #expect(status == 201)
            event = Self.events(in: subscriber.output).first { $0["type"] as? String == "request" }
            return event != nil
        }
        let request = try #require(event)
        #expect(request["status"] as? Int == 201)
        #expect((request["target"] as? String)?.hasPrefix("/py/created?n=") == true)
        #expect(request["route"] as? String == "/py")
        #expect(request["gateway"] as? String == "lurcher")
        #expect(request["body_bytes"] as? Int == 4)
    }

    /// The JSON objects message-pass printed, one per line.
    private static func events(in output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }
}
