import Testing

@testable import LurcherGateway

/// A Dir route's path can never leave its base directory.
@Suite struct StaticPathTests {
    private func resolve(_ path: String) -> StaticPath? {
        StaticPath.resolve(Array(path.utf8), base: "/srv/static/", indexFile: "index.html")
    }

    @Test func aPlainPathResolvesUnderTheBase() {
        #expect(resolve("css/site.css") == StaticPath(base: "/srv/static", relativePath: "css/site.css", namesDirectory: false))
        #expect(resolve("css/site.css")?.fileName == "site.css")
    }

    @Test func aDirectoryPathGetsTheIndexFile() {
        #expect(resolve("") == StaticPath(base: "/srv/static", relativePath: "index.html", namesDirectory: true))
        #expect(resolve("docs/") == StaticPath(base: "/srv/static", relativePath: "docs/index.html", namesDirectory: true))
    }

    @Test func percentEncodingIsDecoded() {
        #expect(resolve("my%20file.txt")?.filePath == "/srv/static/my file.txt")
    }

    @Test(arguments: ["../etc/passwd", "a/../../etc/passwd", "%2e%2e/etc/passwd", "a/%2E%2E/%2e%2e/x", "..%2fetc", "a%00b", "%zz", "%4"])
    func pathsThatCouldEscapeOrAreMalformedAreRefused(_ path: String) {
        #expect(resolve(path) == nil)
    }

    @Test func dotSegmentsAndEmptySegmentsAreDropped() {
        #expect(resolve("./a//b")?.filePath == "/srv/static/a/b")
    }
}
