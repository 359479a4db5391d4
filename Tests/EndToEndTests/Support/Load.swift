/// Four clients, each with a keep-alive connection on a thread of its own, that GET `path` until `done` is set
/// or each has sent `limit` requests; the task's value is every status they got.
func keepRequesting(
    _ gateway: GatewayProcess, _ path: String, until done: Flag, limit: Int
) -> Task<[Int], any Error> {
    Task {
        try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await onThread {
                        var statuses: [Int] = []
                        let connection = try gateway.connect()
                        while !done.isSet, statuses.count < limit {
                            try connection.send(HTTPConnection.request("GET", path))
                            statuses.append(try connection.readResponse().status)
                        }
                        return statuses
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }
}
