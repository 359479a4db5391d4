import CLinux
import Glibc
import NIOConcurrencyHelpers

/// Opens files below a Dir route's base directory without following a symbolic link out of it.
///
/// The kernel makes the check: `openat2` with `RESOLVE_BENEATH`, relative to a descriptor for the base that
/// is opened once and kept for the life of the process. It costs nothing beyond the open. That call refuses
/// absolute links even when they point inside, and kernels before 5.6 lack it; for those cases the file is
/// opened by path and the kernel's name for the open descriptor (`/proc/self/fd/N`) is compared with the
/// base's real path: also race-free, since the descriptor is checked rather than the path, but a readlink
/// of procfs slower.
final class BaseDirectories: Sendable {
    private struct Base: Sendable {
        var descriptor: Int32
        var realPath: String
    }

    private let bases = NIOLockedValueBox<[String: Base]>([:])

    /// Opens `path` if it lies inside its base; otherwise -1 with `errno` set (ENOENT for a file outside).
    func openInside(_ path: StaticPath, flags: Int32) -> Int32 {
        guard let base = base(path.base) else { return -1 }
        let descriptor = lurcher_open_beneath(base.descriptor, path.relativePath, flags)
        guard descriptor < 0, errno == EXDEV || errno == ENOSYS else { return descriptor }
        let opened = Glibc.open(path.filePath, flags)
        guard opened >= 0 else { return -1 }
        guard Self.name(of: opened).map({ $0.hasPrefix(base.realPath + "/") }) == true else {
            Glibc.close(opened)
            errno = ENOENT
            return -1
        }
        return opened
    }

    /// The base's descriptor and real path, opened on first use.
    private func base(_ path: String) -> Base? {
        if let known = bases.withLockedValue({ $0[path] }) { return known }
        guard let real = realpath(path, nil) else { return nil }
        defer { free(real) }
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        let base = Base(descriptor: descriptor, realPath: String(cString: real))
        return bases.withLockedValue { bases in
            if let raced = bases[path] {  // another thread opened it meanwhile: keep one
                Glibc.close(descriptor)
                return raced
            }
            bases[path] = base
            return base
        }
    }

    /// The path the kernel has for an open descriptor.
    private static func name(of descriptor: Int32) -> String? {
        var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/fd/\(descriptor)", &target, Int(PATH_MAX))
        guard length > 0 else { return nil }
        return String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
