import Foundation

/// Why `lurcher ctl` could not talk to a gateway.
enum ControlError: Error, CustomStringConvertible {
    case notRunning(path: String, reason: String)
    case alreadyRunning(path: String)
    case badAnswer(path: String)

    var description: String {
        switch self {
        case .notRunning(let path, let reason):
            "no gateway is running at \(path) (\(reason)). Fix: start one with `lurcher start`, or name the one you mean with --config or --socket"
        case .alreadyRunning(let path):
            "a gateway is already running with control socket \(path). Fix: stop it (`lurcher ctl stop`), or give this one another server.control"
        case .badAnswer(let path):
            "the process at \(path) did not answer like a lurcher gateway"
        }
    }
}

/// Sends one request to a gateway's control socket and reads its answer.
struct ControlClient {
    let path: String

    func send(_ request: ControlRequest) throws -> ControlResponse {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ControlError.notRunning(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { throw ControlError.notRunning(path: path, reason: String(cString: strerror(errno))) }
        var line = try JSONEncoder().encode(request)
        line.append(UInt8(ascii: "\n"))
        _ = line.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var answer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            answer += chunk[..<count]
        }
        guard let response = try? JSONDecoder().decode(ControlResponse.self, from: Data(answer)) else {
            throw ControlError.badAnswer(path: path)
        }
        return response
    }
}
