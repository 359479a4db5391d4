import Testing

@testable import LurcherSupervisor

/// `--watch` restarts a pool once per build, when the build is done, and only for a new file: the decision,
/// with time given by hand.
@Suite struct RebuildDebounceTests {
    let start = ContinuousClock.now
    let path = "/build/handler"
    let old = FileIdentity(device: 1, inode: 10, size: 100, modifiedSeconds: 1000, modifiedNanoseconds: 0)

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    func debounce() -> RebuildDebounce<ContinuousClock.Instant> {
        RebuildDebounce(serving: [path: old], quiet: .milliseconds(300))
    }

    @Test func aBurstOfEventsLeadsToOneRebuildOnceTheFileHasBeenQuiet() {
        var debounce = debounce()
        let rewritten = FileIdentity(device: 1, inode: 10, size: 120, modifiedSeconds: 1001, modifiedNanoseconds: 5)
        for milliseconds in [0, 100, 200] { debounce.changed(path, at: at(milliseconds)) }
        #expect(debounce.nextDeadline == at(500))
        #expect(debounce.due(at: at(499)) { _ in rewritten }.isEmpty)
        #expect(debounce.due(at: at(500)) { _ in rewritten } == [path])
        #expect(debounce.nextDeadline == nil)
        #expect(debounce.due(at: at(2000)) { _ in rewritten }.isEmpty)
    }

    @Test func aNewFileRenamedOverTheOldOneIsARebuildByItsInode() {
        var debounce = debounce()
        debounce.changed(path, at: at(0))
        #expect(debounce.due(at: at(300)) { _ in old.with(inode: 11) } == [path])
    }

    @Test func anEventThatLeavesTheFileAsItWasRestartsNothing() {
        var debounce = debounce()
        debounce.changed(path, at: at(0))
        #expect(debounce.due(at: at(300)) { _ in old }.isEmpty)
    }

    @Test func aFileMissingAtItsDeadlineWaitsForTheNextEvent() {
        var debounce = debounce()
        debounce.changed(path, at: at(0))
        #expect(debounce.due(at: at(300)) { _ in nil }.isEmpty)
        #expect(debounce.nextDeadline == nil)
        debounce.changed(path, at: at(400))
        #expect(debounce.due(at: at(700)) { _ in old.with(inode: 12) } == [path])
    }

    @Test func eventsForFilesNotWatchedAreIgnored() {
        var debounce = debounce()
        debounce.changed("/build/other", at: at(0))
        #expect(debounce.nextDeadline == nil)
    }

    @Test func eachPathHasItsOwnQuietPeriod() {
        var debounce = RebuildDebounce<ContinuousClock.Instant>(serving: [path: old, "/b": nil], quiet: .milliseconds(300))
        debounce.changed(path, at: at(0))
        debounce.changed("/b", at: at(200))
        #expect(debounce.due(at: at(300)) { _ in old.with(inode: 20) } == [path])
        #expect(debounce.nextDeadline == at(500))
        #expect(debounce.due(at: at(500)) { _ in old.with(inode: 30) } == ["/b"])
    }
}

extension FileIdentity {
    func with(inode: UInt64) -> FileIdentity {
        var copy = self
        copy.inode = inode
        return copy
    }
}
