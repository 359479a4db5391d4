/// A configuration problem, reported before anything starts.
///
/// The message names the file, the key and what to do about it, so that the user can fix it without
/// reading the source.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The file the problem is in.
    public var file: String
    /// Dotted path of the offending key, such as `handlers.hello.protocol`; empty for the file as a whole.
    public var key: String
    /// What is wrong.
    public var problem: String
    /// What to do about it.
    public var fix: String

    public init(file: String, key: String, problem: String, fix: String) {
        self.file = file
        self.key = key
        self.problem = problem
        self.fix = fix
    }

    public var description: String {
        let location = key.isEmpty ? file : "\(file): \(key)"
        return "\(location): \(problem). Fix: \(fix)"
    }
}
