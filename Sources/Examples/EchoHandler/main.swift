// A handler that answers with JSON describing the request it got, so tests
// can see what the gateway sent: method, path, query, headers, body,
// connection id, sender and the pid of the process that answered.
//
// `stream=N` in the query sends the same description as N chunks of a
// streamed (chunked) response instead, one JSON line per chunk.
//
// A WebSocket handshake is accepted, and every message sent back as it came.
//
// Under `lurcher start` it reads its endpoints from the environment; by hand:
//   echo-handler --send-spec tcp://127.0.0.1:9997 --recv-spec tcp://127.0.0.1:9996

import Foundation
import LurcherHandler

/// What the handler saw.
struct Echo: Encodable, Sendable {
    /// A header's value: a string, or a list when the client repeated it.
    enum HeaderValue: Encodable, Sendable {
        case single(String)
        case list([String])

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .single(let value): try container.encode(value)
            case .list(let values): try container.encode(values)
            }
        }
    }

    var method: String
    var path: String
    var query: String?
    var headers: [String: HeaderValue]
    var body: String
    var connectionID: UInt64
    var sender: String
    var pid: Int32
    var chunk: Int?

    init(_ request: Request, chunk: Int? = nil) {
        method = request.method
        path = request.path
        query = request.query
        var headers: [String: HeaderValue] = [:]
        for field in request.headers {
            headers[field.name] = field.values.count == 1 ? .single(field.values[0]) : .list(field.values)
        }
        self.headers = headers
        body = request.bodyString
        connectionID = request.connectionID
        sender = request.sender
        pid = ProcessInfo.processInfo.processIdentifier
        self.chunk = chunk
    }

    enum CodingKeys: String, CodingKey {
        case method, path, query, headers, body, pid, chunk, sender
        case connectionID = "connection_id"
    }
}

func encoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
}

do {
    let connection = try HandlerConnection(settings: .fromCommandLine())
    try await connection.run(webSocket: { _, socket in
        for try await message in socket.messages { try await socket.send(message) }
    }) { request in
        if let chunks = request.queryParameter("stream").flatMap(Int.init), chunks > 0 {
            return Response(
                headers: ["Content-Type": "application/x-ndjson"],
                body: .stream { writer in
                    for chunk in 1...chunks {
                        var line = try encoder().encode(Echo(request, chunk: chunk))
                        line.append(UInt8(ascii: "\n"))
                        try await writer.write(line)
                    }
                })
        }
        return try Response.json(Echo(request), encoder: encoder())
    }
} catch {
    FileHandle.standardError.write(Data("echo-handler: \(error)\n".utf8))
    exit(1)
}
