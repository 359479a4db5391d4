/// The header names that belong to the gateway in a request message: a handler takes what they say as the
/// gateway's word, so a client may not send them.
///
/// Mongrel2 passes a client's `X-Mongrel2-Upload-Start` and `-Done` on, and a handler that trusts them reads
/// whatever file they name; Lurcher removes a client's own before the message is built. Names are compared
/// lowercased, as the gateway lowercases every client header name: a handler library that looks names up
/// without regard to case (Lurcher's does) must not find a client's `query` where the gateway sent no `QUERY`.
public enum GatewayHeaderNames {
    /// The prefix of the gateway's own namespace (`x-mongrel2-upload-start`, `x-mongrel2-upload-done`).
    public static let namespace = Array("x-mongrel2-".utf8)

    /// The keys the gateway writes in capitals, lowercased: the ones Lurcher sends, and those Mongrel2 adds
    /// in some cases (`DOWNLOAD_CREDITS`, `UPLOAD_STREAM`, `UPLOAD_STREAM_DONE`, `FLAGS`, `PEER_CERT_SHA1`),
    /// which a handler written for Mongrel2 may look for.
    public static let keys: [[UInt8]] = [
        "path", "method", "version", "uri", "query", "fragment", "pattern", "url_scheme", "remote_addr",
        "download_credits", "upload_stream", "upload_stream_done", "flags", "peer_cert_sha1", "client_version",
    ].map { Array($0.utf8) }

    /// Whether a client header named `name` (lowercased) would pass for one of the gateway's.
    ///
    /// Concrete, not generic over the collection: called from another module unspecialized, the generic form
    /// cost three heap allocations per request (`bench/profile`).
    public static func isReserved(_ name: ArraySlice<UInt8>) -> Bool {
        if name.starts(with: namespace) { return true }
        // Lengths first: most client names match none, and a length differs more cheaply than the bytes.
        for key in keys where key.count == name.count && key.elementsEqual(name) { return true }
        return false
    }
}
