/// Lurcher's release, a semantic version: what `lurcher --version` prints. Raised with each tagged release
/// (`git tag v` followed by it).
enum LurcherVersion {
    static let current = "0.1.0"
}
