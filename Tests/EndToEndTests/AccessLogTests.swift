import Foundation
import Testing

/// The access log records what was really sent, can be rotated, and does not need the info log.
@Suite struct AccessLogTests {
    @Test func linesCarryTheRealStatusAndBodySizeOfHandlerFileAndErrorAnswers() async throws {
        let path = NSTemporaryDirectory() + "lurcher-access-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let gateway = try await pythonGateway(extra: "[access_log]\npath = \"\(path)\"")
        let created = try gateway.get("/py/created", headers: ["User-Agent": "lurcher-test"])
        let file = try gateway.get("/index.html")
        let missing = try gateway.get("/no-such-file")
        #expect(created.status == 201)
        #expect(missing.status == 404)

        let lines = try await gateway.lines(of: path, atLeast: 3)
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.hasPrefix("127.0.0.1 - - [") })
        // Each request came on a connection of its own, and so may be on another event loop: a line is appended
        // when its loop finishes the exchange, which can be just after the client has its answer and has sent
        // the next request. So the lines are found by their request, not by their place.
        for expected in [
            "\"GET /py/created HTTP/1.1\" 201 \(created.body.count) \"-\" \"lurcher-test\" ",
            "\"GET /index.html HTTP/1.1\" 200 \(file.body.count) ",
            "\"GET /no-such-file HTTP/1.1\" 404 \(missing.body.count) ",
        ] {
            #expect(lines.filter { $0.contains(expected) }.count == 1, "\(expected) in \(lines)")
        }
        // The request time ends the line, in seconds with milliseconds.
        #expect(lines.allSatisfy { $0.range(of: #" \d+\.\d{3}$"#, options: .regularExpression) != nil })
    }

    @Test func sigusr1ReopensTheLogAfterItWasMovedAway() async throws {
        let path = NSTemporaryDirectory() + "lurcher-access-\(UUID().uuidString.prefix(8)).log"
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + ".1")
        }
        let gateway = try await pythonGateway(extra: "[access_log]\npath = \"\(path)\"")
        _ = try gateway.get("/py/created?before")
        _ = try await gateway.lines(of: path, atLeast: 1)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        gateway.child.signal(SIGUSR1)
        try await waitUntil("the log to be reopened at its path") { FileManager.default.fileExists(atPath: path) }
        _ = try gateway.get("/py/created?after")

        let fresh = try await gateway.lines(of: path, atLeast: 1)
        let rotated = try await gateway.lines(of: path + ".1", atLeast: 1)
        #expect(fresh.count == 1 && fresh[0].contains("/py/created?after"))
        #expect(rotated.count == 1 && rotated[0].contains("/py/created?before"))
    }

    @Test func theJSONFormatWritesOneObjectPerLine() async throws {
        let path = NSTemporaryDirectory() + "lurcher-access-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let gateway = try await pythonGateway(extra: "[access_log]\npath = \"\(path)\"\nformat = \"json\"")
        let response = try gateway.get("/py/created?q=a%20b")
        #expect(response.status == 201)

        let line = try #require(try await gateway.lines(of: path, atLeast: 1).first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["status"] as? Int == 201)
        #expect(object["body_bytes"] as? Int == response.body.count)
        #expect(object["route"] as? String == "/py")
        #expect(object["target"] as? String == "/py/created?q=a%20b")
        #expect(object["method"] as? String == "GET")
        #expect((object["duration_ms"] as? Double ?? -1) >= 0)
    }

    @Test func requestsAreNotLoggedOneByOneAtTheInfoLevel() async throws {
        let path = NSTemporaryDirectory() + "lurcher-access-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let gateway = try await pythonGateway(extra: "[access_log]\npath = \"\(path)\"", logLevel: "info")
        let before = gateway.log.split(separator: "\n").count
        let requests = 20
        for index in 0..<requests { #expect(try gateway.get("/py/created?\(index)").status == 201) }
        _ = try await gateway.lines(of: path, atLeast: requests)
        let added = gateway.log.split(separator: "\n").count - before
        #expect(added < requests / 2, "the info log grew by \(added) lines for \(requests) requests")
    }
}
