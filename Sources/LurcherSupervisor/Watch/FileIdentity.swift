import Glibc

/// Which file a path names and which version of it: a build that writes a new file and renames it over the old
/// one changes the inode, and one that rewrites the file in place changes its modification time or size.
struct FileIdentity: Sendable, Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int

    /// The file at `path` now, following symbolic links; nil when there is none.
    init?(path: String) {
        var information = stat()
        guard stat(path, &information) == 0 else { return nil }
        device = UInt64(information.st_dev)
        inode = UInt64(information.st_ino)
        size = Int64(information.st_size)
        modifiedSeconds = information.st_mtim.tv_sec
        modifiedNanoseconds = information.st_mtim.tv_nsec
    }

    init(device: UInt64, inode: UInt64, size: Int64, modifiedSeconds: Int, modifiedNanoseconds: Int) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modifiedSeconds = modifiedSeconds
        self.modifiedNanoseconds = modifiedNanoseconds
    }
}
