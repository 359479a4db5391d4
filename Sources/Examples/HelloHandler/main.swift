// A handler that says hello, naming the process that answered.
//
// Query options, for tests:
// - `sleep=MS` waits that many milliseconds before answering, to keep a request in flight;
// - `close=1` answers with an empty reply, which makes the gateway close the connection.
// A POST is answered with what it sent, as JSON, as in the README's example.
//
// Under `lurcher start` it reads its endpoints from the environment; by hand:
//   hello-handler --send-spec tcp://127.0.0.1:9997 --recv-spec tcp://127.0.0.1:9996

import Foundation
import LurcherHandler

let pid = ProcessInfo.processInfo.processIdentifier

do {
    let connection = try HandlerConnection(settings: .fromCommandLine())
    try await connection.run { request in
        if let sleep = request.queryParameter("sleep").flatMap(Int.init), sleep > 0 {
            try await Task.sleep(for: .milliseconds(sleep))
        }
        if request.queryParameter("close") == "1" {
            return .closeConnection
        }
        if request.method == "POST" {
            return try .json(["received": request.bodyString])
        }
        return Response(text: "Hello from Lurcher (pid \(pid))\n")
    }
} catch {
    FileHandle.standardError.write(Data("hello-handler: \(error)\n".utf8))
    exit(1)
}
