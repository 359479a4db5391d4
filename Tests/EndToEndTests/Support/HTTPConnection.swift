import Foundation

/// A client connection speaking raw HTTP/1.1 over a real socket, so tests control every byte.
final class HTTPConnection: @unchecked Sendable {
    // @unchecked: a test uses a connection from one task or thread at a time, handing it to `onThread` for
    // blocking reads that must not occupy the cooperative pool.
    private let descriptor: Int32
    private var buffered: [UInt8] = []
    /// Swift may release an object after its last use; a connection keeps its server alive until it closes.
    private let server: AnyObject?

    struct SocketError: Error, CustomStringConvertible {
        var operation: String
        var code: Int32
        var description: String { "\(operation): \(String(cString: strerror(code)))" }
    }

    /// - Parameter receiveBuffer: a small kernel receive buffer (set before connecting, so it also caps the TCP
    ///   window), for tests where the client must not take much more than it reads.
    init(port: Int, server: AnyObject? = nil, receiveTimeout: Int = 15, receiveBuffer: Int32? = nil) throws {
        self.server = server
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(operation: "socket", code: errno) }
        var timeout = timeval(tv_sec: receiveTimeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBuffer {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw SocketError(operation: "connect to port \(port)", code: code)
        }
    }

    private var isOpen = true

    /// Closes the socket, as a browser closing a tab does: with nothing unread, the server gets a FIN, not a reset.
    func close() {
        guard isOpen else { return }
        isOpen = false
        Glibc.close(descriptor)
    }

    deinit { close() }

    /// A request with `Host: localhost`, and `Content-Length` when there is a body.
    static func request(_ method: String, _ target: String, headers: [String: String] = [:], body: String = "") -> String {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        if !body.isEmpty { text += "Content-Length: \(body.utf8.count)\r\n" }
        return text + "\r\n" + body
    }

    /// A WebSocket handshake for `target` with RFC 6455's example key, whose accept value is
    /// `s3pPLMBiTxaQ9kYGzzhZRbK+xOo=`.
    static func webSocketHandshake(_ target: String, version: Int = 13) -> String {
        "GET \(target) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: \(version)\r\n\r\n"
    }

    /// One masked client WebSocket frame with FIN set, of up to 125 payload bytes.
    static func maskedFrame(_ first: UInt8, _ payload: [UInt8]) -> [UInt8] {
        precondition(payload.count <= 125, "a short frame")
        let mask: [UInt8] = [1, 2, 3, 4]
        return [first, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw SocketError(operation: "send", code: errno) }
            offset += written
        }
    }

    /// Closes the sending side, as `nc -N` does.
    func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// Reads one response: its head, then a body framed by Content-Length or chunked encoding.
    func readResponse(toHead: Bool = false) throws -> HTTPResponse {
        while true {
            if let end = headEnd() {
                let head = String(decoding: buffered[..<end], as: UTF8.self)
                var response = try HTTPResponse(head: head)
                buffered.removeFirst(end + 4)
                if toHead || response.status == 304 || response.status == 204 || response.status < 200 { return response }
                if let length = response.header("content-length").flatMap(Int.init) {
                    try fill(length)
                    response.body = Array(buffered[..<length])
                    buffered.removeFirst(length)
                } else if response.header("transfer-encoding")?.lowercased() == "chunked" {
                    response.body = try readChunked()
                } else {
                    response.body = try readToEnd()
                }
                return response
            }
            guard try receive() > 0 else { throw SocketError(operation: "connection closed before a response", code: 0) }
        }
    }

    /// Reads until the server closes the connection, and returns what arrived.
    func readToEnd() throws -> [UInt8] {
        while try receive() > 0 {}
        defer { buffered.removeAll() }
        return buffered
    }

    /// Reads `count` bytes (or to the end) like a slow client: `pause` after every `step` bytes.
    /// Returns how many bytes arrived.
    func readSlowly(_ count: Int, step: Int, pause: TimeInterval) throws -> Int {
        var total = buffered.count
        buffered.removeAll()
        var sinceLastPause = 0
        while total < count {
            let received = try receive()
            if received == 0 { break }
            total += received
            sinceLastPause += received
            buffered.removeAll(keepingCapacity: true)
            if sinceLastPause >= step {
                sinceLastPause = 0
                Thread.sleep(forTimeInterval: pause)
            }
        }
        return total
    }

    /// True when nothing has arrived and nothing is waiting to be read, without blocking.
    func hasNothingToRead() -> Bool {
        var byte: UInt8 = 0
        return buffered.isEmpty && recv(descriptor, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) < 0 && errno == EAGAIN
    }

    /// True when the server has closed the connection (and sent nothing more).
    func isClosedByServer() throws -> Bool {
        try receive() == 0 && buffered.isEmpty
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try readLine()
            guard let size = Int(line.split(separator: ";").first ?? "", radix: 16) else {
                throw SocketError(operation: "bad chunk size \(line)", code: 0)
            }
            try fill(size + 2)
            body += buffered[..<size]
            buffered.removeFirst(size + 2)
            if size == 0 { return body }
        }
    }

    private func readLine() throws -> String {
        while true {
            if let index = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[..<index], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                buffered.removeFirst(index + 1)
                return line
            }
            guard try receive() > 0 else { throw SocketError(operation: "connection closed inside a chunk", code: 0) }
        }
    }

    /// The next `count` bytes, whatever they are (WebSocket frames, say).
    func read(_ count: Int) throws -> [UInt8] {
        try fill(count)
        defer { buffered.removeFirst(count) }
        return Array(buffered[..<count])
    }

    private func fill(_ count: Int) throws {
        while buffered.count < count {
            guard try receive() > 0 else { throw SocketError(operation: "connection closed inside a body", code: 0) }
        }
    }

    private func headEnd() -> Int? {
        guard buffered.count >= 4 else { return nil }
        for index in 0...(buffered.count - 4)
        where buffered[index] == 13 && buffered[index + 1] == 10 && buffered[index + 2] == 13 && buffered[index + 3] == 10 {
            return index
        }
        return nil
    }

    /// Receives what is available; 0 when the peer closed. Throws on a timeout, so no test hangs.
    @discardableResult
    private func receive() throws -> Int {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count < 0 {
            if errno == ECONNRESET { return 0 }
            throw SocketError(operation: "receive", code: errno)
        }
        buffered += chunk[..<count]
        return count
    }
}

/// A response as the client saw it.
struct HTTPResponse {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8] = []

    init(head: String) throws {
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw HTTPConnection.SocketError(operation: "bad status line \(lines[0])", code: 0)
        }
        self.status = status
        headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]).lowercased(), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
    }

    func header(_ name: String) -> String? { headers.first { $0.name == name.lowercased() }?.value }

    /// The pid in hello-handler's answer, `Hello from Lurcher (pid N)`.
    var helloPID: Int32? { Int32(text.split(separator: " ").last?.dropLast(2) ?? "") }
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as a JSON object.
    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] ?? [:]
    }
}
