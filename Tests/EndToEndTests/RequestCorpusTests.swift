import Foundation
import Testing

/// Every raw request in `Fixtures/corpus` gets its expected status from a real gateway; the malformed ones
/// never reach the handler, and the gateway goes on serving.
@Suite struct RequestCorpusTests {
    /// One file of the corpus: its name, the status its name promises, and the bytes to send.
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var expectedStatus: Int
        var bytes: [UInt8]
        var description: String { name }

        /// Reads `Fixtures/corpus/NAME.http`, expanding the escapes its README describes.
        init(file: String) throws {
            name = String(file.dropLast(".http".count))
            expectedStatus = try #require(Int(name.prefix { $0.isNumber }), "\(file) must start with a status")
            let text = try String(contentsOfFile: TestPaths.corpus + "/" + file, encoding: .utf8)
            bytes = []
            var characters = text.unicodeScalars.makeIterator()
            while let character = characters.next() {
                switch character {
                case "\n":
                    bytes += [13, 10]
                case "\\":
                    switch characters.next() {
                    case "r": bytes.append(13)
                    case "n": bytes.append(10)
                    case "t": bytes.append(9)
                    case "x":
                        let digits = String([characters.next(), characters.next()].compactMap { $0 }.map(Character.init))
                        bytes.append(try #require(UInt8(digits, radix: 16), "bad escape \\x\(digits) in \(file)"))
                    case let other: Issue.record("unknown escape \\\(other.map(String.init) ?? "") in \(file)")
                    }
                default:
                    bytes += Array(String(character).utf8)
                }
            }
        }

        static func all() throws -> [Case] {
            try FileManager.default.contentsOfDirectory(atPath: TestPaths.corpus)
                .filter { $0.hasSuffix(".http") }.sorted().map { try Case(file: $0) }
        }
    }

    /// What the client saw: the final status, and for a rejected request whether the server then closed the connection.
    private static func send(_ corpusCase: Case, port: Int) throws -> (status: Int, closed: Bool) {
        let connection = try HTTPConnection(port: port)
        try connection.send(corpusCase.bytes)
        // The client is done: a request cut short must be answered now, not after the request timeout. Only
        // the rejected ones half-close: a client that ends its input while a handler has its request has left.
        if corpusCase.expectedStatus >= 400 { connection.shutdownWrite() }
        var response = try connection.readResponse()
        while response.status < 200 { response = try connection.readResponse() }  // 100 Continue
        // A request that reached the handler leaves the connection open, to be read no further.
        return (response.status, corpusCase.expectedStatus >= 400 ? try connection.isClosedByServer() : false)
    }

    @Test func everyCaseGetsItsStatusAndOnlyTheAcceptedOnesReachTheHandler() async throws {
        let cases = try Case.all()
        #expect(cases.count >= 40, "the corpus is in Tests/EndToEndTests/Fixtures/corpus")
        let gateway = try await GatewayProcess.withPythonHandler(
            limits: "max_uri_bytes = 256\nmax_header_count = 20\nmax_header_bytes = 2048\nmax_body_bytes = 1000")
        let port = gateway.port
        let outcomes = try await onThread {
            try cases.map { corpusCase in
                let outcome = try Self.send(corpusCase, port: port)
                // After every case, bad or good, another client is still served.
                let check = try HTTPConnection(port: port)
                try check.send(HTTPConnection.request("GET", "/index.html"))
                return (corpusCase, outcome, try check.readResponse().status)
            }
        }
        for (corpusCase, outcome, statusAfter) in outcomes {
            #expect(outcome.status == corpusCase.expectedStatus, "\(corpusCase.name)")
            if corpusCase.expectedStatus >= 400 {
                #expect(outcome.closed, "\(corpusCase.name): a malformed request ends the connection")
            }
            #expect(statusAfter == 200, "the gateway serves others after \(corpusCase.name)")
        }
        let seen = try await onThread { try gateway.get("/py/seen") }
        let paths = try #require(try JSONSerialization.jsonObject(with: Data(seen.body)) as? [String])
        for corpusCase in cases {
            let reached = paths.contains { $0.hasPrefix("/py/corpus/\(corpusCase.name)") }
            #expect(reached == (corpusCase.expectedStatus < 300), "\(corpusCase.name) reached the handler: \(reached)")
        }
    }
}
