import CLinux
import Foundation

/// `lurcher exec-handler`: what the supervisor spawns in place of a handler's command, so that the handler
/// dies with the gateway, even one killed with SIGKILL, whatever language the handler is written in.
///
/// `posix_spawn` cannot ask for a parent-death signal, so the shim asks, in the child, and then `exec`s the
/// handler's command. The handler keeps the shim's pid (the one `ctl status` shows), its process group, its
/// signal mask and dispositions as `posix_spawn` reset them, and the death signal, which survives `exec`
/// (except into a set-user-ID or file-capability program). The kernel sends it when the thread that spawned
/// the shim exits, which is why every spawn is made on the ``SpawnerThread``.
public enum ExecShim {
    /// The hidden `lurcher` subcommand that runs the shim.
    public static let subcommand = "exec-handler"

    /// What to put before a handler's command to run it through the shim, from gateway `gateway`.
    ///
    /// `/proc/self/exe` is the gateway's own binary, resolved in the child before it runs: the same build
    /// as the gateway, even if the file has since been rebuilt or removed.
    static func launcher(gateway: pid_t) -> [String] {
        ["/proc/self/exe", subcommand, "--gateway-pid", "\(gateway)", "--"]
    }

    /// Becomes `command`, in the process the supervisor spawned; returns only by exiting.
    ///
    /// A gateway that died before the death signal was armed would never send it, and the shim would run on
    /// as an orphan, so after arming it the shim checks that its parent is still `gateway`, and exits if not.
    public static func run(gateway: pid_t, command: [String]) -> Never {
        guard lurcher_set_parent_death_signal(SIGKILL) == 0 else {
            fail("cannot ask for a parent-death signal: \(String(cString: strerror(errno)))", status: 127)
        }
        guard getppid() == gateway else {
            fail("the gateway (pid \(gateway)) has gone; not starting \(command.joined(separator: " "))", status: 1)
        }
        // The shim is a Swift program: its runtime runs this on a thread with nearly every signal blocked
        // (dispatch_main does that), and a blocked signal stays blocked across exec. Give the handler what
        // posix_spawn gave the shim: nothing blocked, and the defaults for what the gateway handles.
        var nothing = sigset_t()
        sigemptyset(&nothing)
        pthread_sigmask(SIG_SETMASK, &nothing, nil)
        for signal in ProcessSpawner.signalsReset { Glibc.signal(signal, SIG_DFL) }
        let arguments = command.map { strdup($0) } + [nil]
        execvp(command[0], arguments)
        // The supervisor checked the command before spawning (see ``ExecutableLookup``); this is what that
        // check cannot see, such as a script whose interpreter is missing. The supervisor sees a crash.
        let reason = String(cString: strerror(errno))
        fail(SupervisorError.cannotSpawn(command: command, reason: reason).description, status: 127)
    }

    private static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data("lurcher \(subcommand): \(message)\n".utf8))
        exit(status)
    }
}
