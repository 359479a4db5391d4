import Foundation

/// Finds, before spawning, whether `execvp` would start a command: an executable file at its path, or on
/// `PATH` for a bare name.
///
/// A command run through the ``ExecShim`` is `exec`ed only after `posix_spawn` has returned, so its failure
/// would reach the supervisor as a crash of the new process, not as an error `lurcher start` can report with
/// a fix. This check reports the usual mistakes first, in the words `execvp` would use: a handler not built,
/// a wrong path, a file that is not executable.
enum ExecutableLookup {
    /// Throws ``SupervisorError/cannotSpawn`` when `command` names no executable file.
    /// - Parameters:
    ///   - path: the `PATH` the command will be searched on (the child's); nil searches execvp's default.
    ///   - workingDirectory: the directory the command starts in, which relative paths are relative to.
    static func check(_ command: [String], path: String?, workingDirectory: String?) throws {
        _ = try resolve(command, path: path, workingDirectory: workingDirectory)
    }

    /// The file `execvp` would run for `command`, as a path from the supervisor's working directory.
    /// - Throws: ``SupervisorError/cannotSpawn`` when `command` names no executable file.
    static func resolve(_ command: [String], path: String?, workingDirectory: String?) throws -> String {
        let name = command.first ?? ""
        // execvp searches PATH only for a name without a slash, and an empty PATH entry means ".".
        let candidates =
            name.contains("/")
            ? [name]
            : (path ?? "/bin:/usr/bin").split(separator: ":", omittingEmptySubsequences: false).map {
                ($0.isEmpty ? "." : String($0)) + "/" + name
            }
        var failure = ENOENT
        for candidate in candidates {
            let resolved = candidate.hasPrefix("/") ? candidate : (workingDirectory.map { $0 + "/" } ?? "") + candidate
            var information = stat()
            guard !name.isEmpty, stat(resolved, &information) == 0 else { continue }
            if information.st_mode & S_IFMT == S_IFREG, access(resolved, X_OK) == 0 { return resolved }
            // execvp goes on searching past a file it may not run, and reports EACCES if nothing else runs.
            failure = EACCES
        }
        throw SupervisorError.cannotSpawn(command: command, reason: String(cString: strerror(failure)))
    }
}
