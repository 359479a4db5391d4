import Glibc

/// A request body too large to keep in memory, written to a temp file that the handler reads, as Mongrel2
/// does with `upload.temp_store`.
///
/// The file is deleted when this object goes away: after the handler has answered the request, or when the
/// connection closed first. Writes are plain blocking `write(2)`s on the event loop: they land in the page
/// cache, each is at most one read's worth of bytes, and the whole body is bounded by `max_body_bytes`.
final class SpooledBody {
    /// The temp file, as the handler is told in `x-mongrel2-upload-start` and `x-mongrel2-upload-done`.
    let path: String
    private var descriptor: Int32

    /// Creates `lurcher-upload-XXXXXX` in `directory`, readable and writable by its owner only (mkstemp).
    /// Returns nil, with `errno` set, when the file cannot be created.
    init?(directory: String) {
        var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast())
        template += Array("lurcher-upload-XXXXXX".utf8CString)
        descriptor = mkstemp(&template)
        guard descriptor >= 0 else { return nil }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Appends `bytes`; false when the disk refused them.
    func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    /// Closes the file once the body is complete, so the handler reads it whole.
    func finish() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit {
        finish()
        unlink(path)
    }
}
