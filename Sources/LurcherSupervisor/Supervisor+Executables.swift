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
