import Foundation
import LurcherConfiguration
import LurcherProtocol
import Testing

@testable import LurcherGateway

/// The intake routes a protocol-neutral head, takes its body and encodes it for the handler: no HTTP/1 bytes
/// are involved, as none are for an HTTP/2 stream.
@Suite struct RequestIntakeTests {
    private func intake(
        maxBodyBytes: Int = 1024, uploads: Uploads = Uploads(), summarizes: Bool = false, scheme: RequestHead.Scheme = .http
    ) -> RequestIntake {
        RequestIntake(
            connectionID: 7, peer: Array("192.0.2.9".utf8), scheme: scheme,
            router: .localhost(
                [
                    RouteConfiguration(pattern: "/app", target: .handler("app")),
                    RouteConfiguration(pattern: "/static/", target: .directory(DirectoryConfiguration(base: "/nonexistent"))),
                ], handlers: ["app": 0]),
            handlers: [HandlerIdentity(sendIdent: Array("UUID".utf8), encoding: .json)], maxBodyBytes: maxBodyBytes,
            uploads: uploads, summarizes: summarizes, counters: GatewayCounters())
    }

    /// Takes a whole request: head, body in the parts given, end.
    private func receive(
        _ intake: inout RequestIntake, _ method: RequestMethod, _ url: String, version: RequestHead.Version = .http11,
        fields: [(name: String, value: String)] = [("host", "localhost")], body: [String] = [], keepAlive: Bool = true
    ) throws -> ParsedRequest {
        intake.beginRequest()
        intake.head.fill(method, url, version: version, fields: fields)
        #expect(intake.receiveHead() == nil)
        for part in body {
            #expect(Array(part.utf8).withUnsafeBytes { intake.receiveBody($0) } == nil)
        }
        return intake.finishRequest(keepAlive: keepAlive)
    }

    private func decodedMessage(of request: ParsedRequest) throws -> DecodedRequest {
        guard case .handler(0, let message, nil) = request.disposition else {
            Issue.record("expected the handler with the body in memory, got \(request.disposition)")
            throw CancellationError()
        }
        return try WireRequest.decode(message)
    }

    @Test func aHeadFromAnyFrontEndReachesTheHandlerWithTheGatewayKeys() throws {
        var intake = intake(scheme: .https)
        let request = try receive(
            &intake, .post, "/app/x?q=1#top", version: RequestHead.Version(major: 2, minor: 0),
            fields: [("host", "localhost"), ("x-a", "b")], body: ["ab", "c"], keepAlive: true)
        let decoded = try decodedMessage(of: request)
        #expect(decoded.sender == "UUID")
        #expect(decoded.connectionID == 7)
        #expect(decoded.path == "/app/x")
        #expect(decoded.body == Array("abc".utf8))
        #expect(decoded.headers["METHOD"] == .single("POST"))
        #expect(decoded.headers["VERSION"] == .single("HTTP/2.0"))
        #expect(decoded.headers["URI"] == .single("/app/x?q=1#top"))
        #expect(decoded.headers["QUERY"] == .single("q=1"))
        #expect(decoded.headers["FRAGMENT"] == .single("top"))
        #expect(decoded.headers["PATTERN"] == .single("/app"))
        #expect(decoded.headers["URL_SCHEME"] == .single("https"))
        #expect(decoded.headers["REMOTE_ADDR"] == .single("192.0.2.9"))
        #expect(decoded.headers["x-forwarded-for"] == .single("192.0.2.9"))
        #expect(decoded.headers["x-a"] == .single("b"))
        #expect(request.keepAlive && !request.isSafe && !request.isHead)
    }

    @Test func eachRequestOfAStreamIsEncodedFromItsOwnHead() throws {
        var intake = intake()
        _ = try receive(&intake, .post, "/app/first", fields: [("host", "localhost"), ("x-first", "1")], body: ["body"])
        let second = try decodedMessage(of: try receive(&intake, .get, "/app/second"))
        #expect(second.path == "/app/second")
        #expect(second.headers["x-first"] == nil)
        #expect(second.headers["METHOD"] == .single("GET"))
        #expect(second.body.isEmpty)
    }

    @Test func theHostComesFromAnAbsoluteTargetBeforeTheHostField() throws {
        var intake = intake()
        let request = try receive(&intake, .get, "http://localhost/app", fields: [("host", "elsewhere.example")])
        #expect(try decodedMessage(of: request).path == "/app")
    }

    @Test func routesThatAreNotAHandlersAreDecidedFromTheHead() throws {
        var intake = intake()
        guard case .reject(.notFound, _) = try receive(&intake, .get, "/nowhere").disposition else {
            Issue.record("expected 404 for no route")
            return
        }
        guard case .reject(.methodNotAllowed, let allow) = try receive(&intake, .post, "/static/a.txt").disposition else {
            Issue.record("expected 405 for a POST to a Dir route")
            return
        }
        #expect(allow == ["Allow: GET, HEAD"])
        guard case .reject(.methodNotAllowed, _) = try receive(&intake, .connect, "localhost:443").disposition else {
            Issue.record("expected 405 for CONNECT")
            return
        }
        let file = try receive(&intake, .head, "/static/a%20b.txt", body: ["dropped"])
        guard case .directory(_, let relativePath, let requestPath, _) = file.disposition else {
            Issue.record("expected the Dir route, got \(file.disposition)")
            return
        }
        #expect(relativePath == Array("a%20b.txt".utf8))
        #expect(requestPath == "/static/a%20b.txt")
        #expect(file.isHead && file.isSafe)
    }

    @Test func aTargetThatDoesNotParseIsRefused() {
        var intake = intake()
        intake.beginRequest()
        intake.head.fill(.get, "http://", fields: [("host", "localhost")])
        #expect(intake.receiveHead() == .badRequest)
    }

    @Test func bodiesAreHeldToTheLimitDeclaredOrNot() {
        var intake = intake(maxBodyBytes: 4)
        #expect(intake.refusal(declaredBodyLength: 4) == nil)
        #expect(intake.refusal(declaredBodyLength: 5) == .payloadTooLarge)
        intake.beginRequest()
        intake.head.fill(.post, "/app", fields: [("host", "localhost")])
        #expect(intake.receiveHead() == nil)
        #expect(Array("abc".utf8).withUnsafeBytes { intake.receiveBody($0) } == nil)
        #expect(Array("de".utf8).withUnsafeBytes { intake.receiveBody($0) } == .payloadTooLarge)
    }

    @Test func aBodyPastTheUploadThresholdIsSpooledAndAnnouncedTwice() throws {
        let directory = FileManager.default.temporaryDirectory.path
        var intake = intake(uploads: Uploads(directory: directory, threshold: 4))
        let request = try receive(&intake, .post, "/app/upload", body: ["abc", "defgh", "ij"])
        guard case .handler(0, let doneMessage, let upload?) = request.disposition else {
            Issue.record("expected a spooled upload, got \(request.disposition)")
            return
        }
        #expect(try String(contentsOfFile: upload.file.path, encoding: .utf8) == "abcdefghij")
        let start = try WireRequest.decode(upload.startMessage)
        let done = try WireRequest.decode(doneMessage)
        #expect(start.body.isEmpty && done.body.isEmpty)
        #expect(start.headers["x-mongrel2-upload-start"] == .single(upload.file.path))
        #expect(start.headers["x-mongrel2-upload-done"] == nil)
        #expect(done.headers["x-mongrel2-upload-start"] == .single(upload.file.path))
        #expect(done.headers["x-mongrel2-upload-done"] == .single(upload.file.path))
    }

    @Test func onlyAHandlerRequestOfHTTP11OrLaterAwaitsA100Continue() {
        var intake = intake()
        func expects(_ url: String, _ version: RequestHead.Version) -> Bool {
            intake.beginRequest()
            intake.head.fill(.post, url, version: version, fields: [("host", "localhost"), ("expect", "100-continue")])
            _ = intake.receiveHead()
            return intake.expectsContinue
        }
        #expect(expects("/app", .http11))
        #expect(expects("/app", RequestHead.Version(major: 2, minor: 0)))
        #expect(!expects("/app", .http10))
        #expect(!expects("/nowhere", .http11))
        #expect(expects("/app", .http11))
        intake.acknowledgeContinue()
        #expect(!intake.expectsContinue)
        #expect(expects("/app", .http11))
        _ = intake.finishRequest(keepAlive: true)
        #expect(!intake.expectsContinue, "the body came anyway")
    }

    @Test func theAccessLogGetsTheRequestLineAndTheRoute() throws {
        var intake = intake(summarizes: true)
        let request = try receive(
            &intake, .get, "/app?x=1", version: .http10,
            fields: [("host", "localhost:80"), ("user-agent", "curl/8"), ("referer", "http://r/")])
        let line = try #require(request.requestLine)
        #expect(line.method == "GET")
        #expect(line.target == "/app?x=1")
        #expect(line.version == "HTTP/1.0")
        #expect(line.host == "localhost:80")
        #expect(line.userAgent == "curl/8")
        #expect(line.referer == "http://r/")
        #expect(line.route == "/app")
        var quiet = self.intake()
        #expect(try receive(&quiet, .get, "/app").requestLine == nil, "nothing logs")
    }
}
