import Foundation

/// Starts handler processes with `posix_spawn`.
///
/// Swift cannot safely `fork` a running multi-threaded process, so a process is spawned whole, with its
/// signal mask and dispositions reset: the gateway ignores SIGPIPE and handles SIGTERM itself, and an
/// ignored signal would otherwise stay ignored across `exec`.
enum ProcessSpawner {
    /// Spawns `command` and returns its pid.
    /// - Parameter launcher: a program and arguments that run `command` (the ``ExecShim``), put before it.
    ///   The command is then checked first (``ExecutableLookup``), since the launcher's own `exec` of it comes
    ///   too late to report.
    /// - Throws: ``SupervisorError/cannotSpawn`` with the command and the system's reason.
    static func spawn(
        command: [String], launcher: [String] = [], environment: [String: String], workingDirectory: String?
    ) throws -> pid_t {
        if !launcher.isEmpty {
            try ExecutableLookup.check(command, path: environment["PATH"], workingDirectory: workingDirectory)
        }
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        if let workingDirectory {
            guard let addChdir = Self.addChdir else {
                throw SupervisorError.cannotSpawn(command: command, reason: "this C library cannot set a working directory")
            }
            _ = addChdir(&fileActions, workingDirectory)
        }

        // Only stdin, stdout and stderr go to the child: every other descriptor the gateway holds (client
        // sockets, the control socket) would otherwise stay open in it, and a close would never reach the peer.
        if let closeFrom = Self.addCloseFrom {
            _ = closeFrom(&fileActions, 3)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in Self.signalsReset { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // A process group of its own, so a terminal's Ctrl-C reaches the gateway, which then stops it cleanly.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let arguments = (launcher + command).map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            arguments.forEach { free($0) }
            variables.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, launcher.first ?? command[0], &fileActions, &attributes, arguments, variables)
        guard status == 0 else {
            throw SupervisorError.cannotSpawn(command: command, reason: String(cString: strerror(status)))
        }
        return pid
    }

    /// The signals a spawned process gets with their default actions: those the gateway ignores or handles.
    static let signalsReset = [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2]

    // glibc's `posix_spawn_file_actions_addchdir_np` (2.29 and later) and `..._addclosefrom_np` (2.34 and
    // later), looked up at run time because Swift's Glibc module does not export them.

    private static let addChdir: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32)? =
        dlsym(nil, "posix_spawn_file_actions_addchdir_np").map {
            unsafeBitCast($0, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32).self)
        }

    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? =
        dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
            unsafeBitCast($0, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
        }
}
