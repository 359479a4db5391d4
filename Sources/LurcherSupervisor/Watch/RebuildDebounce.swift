/// Decides when a rebuilt executable goes into service: once its file has had no change for a quiet period,
/// and only if it is then another file, or another version of it, than the one last put in service.
///
/// A build writes in bursts (create, many writes, close, chmod, rename); each event only pushes the path's
/// deadline back, so a burst leads to one restart. Time is given, never read, so tests drive it by hand.
struct RebuildDebounce<Instant: InstantProtocol> {
    /// How long a path must go without events before it is looked at.
    let quiet: Instant.Duration
    /// The version of each watched path in service.
    private var serving: [String: FileIdentity?]
    /// When each path with recent events is due to be looked at.
    private var deadlines: [String: Instant] = [:]

    /// - Parameter serving: each watched path, with the version of it running now (nil: none is there).
    init(serving: [String: FileIdentity?], quiet: Instant.Duration) {
        self.serving = serving
        self.quiet = quiet
    }

    /// The paths watched.
    var paths: Dictionary<String, FileIdentity?>.Keys { serving.keys }

    /// The earliest deadline, when ``due(at:identity:)`` has something to look at; nil while nothing changed.
    var nextDeadline: Instant? { deadlines.values.min() }

    /// Something happened to `path` at `now`: look at it once things have been quiet for a while.
    mutating func changed(_ path: String, at now: Instant) {
        guard serving.keys.contains(path) else { return }
        deadlines[path] = now.advanced(by: quiet)
    }

    /// The paths whose quiet period has passed by `now` and whose file is a new version, which are from now on
    /// the versions in service. A path whose file is missing (between a build's delete and its rename) waits
    /// for the next event.
    /// - Parameter identity: reads a path's file as it is now.
    mutating func due(at now: Instant, identity: (String) -> FileIdentity?) -> [String] {
        var rebuilt: [String] = []
        for (path, deadline) in deadlines where deadline <= now {
            deadlines[path] = nil
            guard let current = identity(path), serving[path] != current else { continue }
            serving[path] = current
            rebuilt.append(path)
        }
        return rebuilt.sorted()
    }
}
