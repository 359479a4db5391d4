import Foundation

/// Where the binaries under test and the fixtures are.
enum TestPaths {
    /// The package root, found from this file's location.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The build products folder: the test bundle lives beside `lurcher` and the example handlers.
    static let products: URL = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("lurcher").path) { return url }
        }
        return packageRoot.appendingPathComponent(".build/debug")
    }()

    static var lurcher: String { products.appendingPathComponent("lurcher").path }
    static var helloHandler: String { products.appendingPathComponent("hello-handler").path }
    static var echoHandler: String { products.appendingPathComponent("echo-handler").path }
    static var chatHandler: String { products.appendingPathComponent("chat-handler").path }
    static var pythonHandler: String { packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/mongrel2_handler.py").path }
    static var pythonBrokerHandler: String { packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/broker_handler.py").path }
    static var pythonWebSocketHandler: String { fixture("ws_handler.py") }
    static var pythonExtendedReplyHandler: String { fixture("xreply_handler.py") }
    static var pythonUploadStreamHandler: String { fixture("upload_stream_handler.py") }
    static var webSocketClient: String { fixture("ws_client.py") }
    static var controlPortClient: String { fixture("control_client.py") }
    static var webSocketConformance: String { fixture("ws_conformance.py") }
    static var pythonCreditsHandler: String { fixture("credits_handler.py") }
    static var tlsClient: String { fixture("tls_client.py") }
    static var http2Client: String { fixture("h2_client.py") }
    static var rogueHandler: String { fixture("rogue_handler.py") }
    static var proxyBackend: String { fixture("proxy_backend.py") }
    static var corpus: String { packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/corpus").path }
    static var site: String { packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/site").path }

    private static func fixture(_ name: String) -> String {
        packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/\(name)").path
    }
}
