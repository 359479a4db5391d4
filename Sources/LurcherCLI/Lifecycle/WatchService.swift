import Logging
import LurcherSupervisor
import ServiceLifecycle

/// `lurcher start --watch`: when a build replaces a pool's executable, a rolling restart of that pool puts the
/// new one in service, as `lurcher ctl restart POOL` would. A replacement that fails to start leaves the old
/// processes serving.
///
/// It comes before the signals in the group, so it stops taking rebuilds before the pools stop; a restart under
/// way then finishes first.
struct WatchService: Service {
    let supervisor: Supervisor
    let logger: Logger
    let lifecycle: StartLifecycle

    func run() async throws {
        let executables = await supervisor.executables()
        let watch = try ExecutableWatch(executables: executables, logger: logger)
        defer { watch.stop() }
        logger.info("watching handler executables", metadata: ["paths": "\(executables.values.sorted())"])
        lifecycle.started()
        for await pool in watch.rebuilt.cancelOnGracefulShutdown() {
            do {
                _ = try await supervisor.restart(pool)
            } catch {
                logger.error("rolling restart after a rebuild failed; the old processes go on", metadata: ["pool": "\(pool)", "error": "\(error)"])
            }
        }
    }
}
