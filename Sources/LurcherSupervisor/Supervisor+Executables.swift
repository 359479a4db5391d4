import Foundation
import LurcherConfiguration

extension Supervisor {
    /// The file each pool's command runs, found as spawning finds it (the pool's `PATH` and working directory),
    /// by pool name: what `lurcher start --watch` watches. A pool whose command names no executable file is
    /// left out.
    public func executables() -> [String: String] {
        var paths: [String: String] = [:]
        for (name, pool) in pools {
            let path = try? ExecutableLookup.resolve(
                pool.configuration.command, path: environment(of: pool)["PATH"],
                workingDirectory: pool.configuration.workingDirectory)
            paths[name] = path
        }
        return paths
    }
}

extension Supervisor {
    /// Finds, as spawning would, the executable file of every pool in `handlers` (its `PATH` from the pool's
    /// `environment`, else the gateway's, and its working directory), for `lurcher check`.
    /// - Returns: for each pool whose command names no executable file, its key and the reason, in name order.
    public static func commandProblems(in handlers: [String: HandlerConfiguration]) -> [(key: String, problem: String)] {
        handlers.sorted { $0.key < $1.key }.compactMap { name, handler in
            guard let process = handler.process else { return nil }
            do {
                try ExecutableLookup.check(
                    process.command, path: process.environment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"],
                    workingDirectory: process.workingDirectory)
                return nil
            } catch {
                return ("handlers.\(name).command", "\(error)")
            }
        }
    }
}
