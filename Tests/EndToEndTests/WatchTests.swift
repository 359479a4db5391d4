import Foundation
import Testing

/// `lurcher start --watch`: a build that replaces a broker-mode pool's executable puts it in service with no
/// command typed and no request failed; a replacement that cannot start leaves the old processes serving.
@Suite struct WatchTests {
    /// A temp folder with a copy of the hello handler, the pool's command, and a watching gateway running it.
    struct WatchedPool {
        let folder = NSTemporaryDirectory() + "lurcher-build-" + UUID().uuidString.prefix(8)
        var executable: String { folder + "/hello" }
        let gateway: GatewayProcess

        init() async throws {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: TestPaths.helloHandler, toPath: folder + "/hello")
            gateway = try await GatewayProcess(
                handlers: [
                    .init(name: "hello", route: "/hello", command: [folder + "/hello"], processes: 2, mode: "broker")
                ], reply: 30, options: ["--watch"])
            try await waitUntil("2 processes to be ready") { try await readyPIDs() .count == 2 }
        }

        /// The pids of the pool's ready processes.
        func readyPIDs() async throws -> Set<Int> {
            Set(processes(try await gateway.pool("hello")).filter { $0["state"] as? String == "ready" }.compactMap { $0["pid"] as? Int })
        }

        /// Replaces the executable as a build does: a new file, renamed over the old one.
        func replace(with source: String) throws {
            try? FileManager.default.removeItem(atPath: folder + "/hello.new")
            try FileManager.default.copyItem(atPath: source, toPath: folder + "/hello.new")
            #expect(rename(folder + "/hello.new", executable) == 0)
        }

        func remove() { try? FileManager.default.removeItem(atPath: folder) }
    }

    @Test func aRebuiltExecutableReplacesEveryProcessUnderLoadAndNoRequestFails() async throws {
        let pool = try await WatchedPool()
        defer { pool.remove() }
        let before = try await pool.readyPIDs()
        let done = Flag()
        let statuses = keepRequesting(pool.gateway, "/hello", until: done, limit: 5000)
        try await waitUntil("the load to be under way") { try await pool.gateway.handlerStatus("hello")["dispatched"] as? Int ?? 0 >= 50 }
        try pool.replace(with: TestPaths.helloHandler)
        try await waitUntil("every process to be replaced", timeout: .seconds(60)) {
            let status = try await pool.gateway.pool("hello")
            let pids = try await pool.readyPIDs()
            return status["generation"] as? Int == 2 && status["restarting"] as? Bool == false && pids.count == 2
                && pids.isDisjoint(with: before)
        }
        done.set()
        let answered = try await statuses.value
        #expect(answered.count >= 50)
        #expect(answered.allSatisfy { $0 == 200 }, "\(answered.filter { $0 != 200 }.count) of \(answered.count) failed")
    }

    @Test func aReplacementThatCannotStartLeavesTheOldProcessesServing() async throws {
        let pool = try await WatchedPool()
        defer { pool.remove() }
        let before = try await pool.readyPIDs()
        let broken = pool.folder + "/broken"
        try "#!/bin/sh\nexit 1\n".write(toFile: broken, atomically: false, encoding: .utf8)
        #expect(chmod(broken, 0o755) == 0)
        try pool.replace(with: broken)
        try await waitUntil("the restart to be tried and given up", timeout: .seconds(60)) {
            let status = try await pool.gateway.pool("hello")
            return status["generation"] as? Int == 2 && status["restarting"] as? Bool == false
                && status["crashes"] as? Int ?? 0 >= 1
        }
        #expect(try await pool.readyPIDs() == before)
        for _ in 0..<10 { #expect(try pool.gateway.get("/hello").status == 200) }

        // Fixing the build puts it in service after all.
        try pool.replace(with: TestPaths.helloHandler)
        try await waitUntil("the fixed build to replace every process", timeout: .seconds(60)) {
            let pids = try await pool.readyPIDs()
            return try await pool.gateway.pool("hello")["generation"] as? Int == 3 && pids.count == 2 && pids.isDisjoint(with: before)
        }
    }
}
