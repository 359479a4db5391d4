/// A certificate, key or CA file that cannot be used: named, with what is wrong and what to do.
public struct TLSSetupError: Error, Sendable, CustomStringConvertible {
    /// The file the problem is in.
    public var file: String
    public var problem: String
    public var fix: String

    public var description: String { "\(file): \(problem). Fix: \(fix)" }
}
