/// A virtual host: a name the Host header is matched against, and its routes.
public struct HostConfiguration: Sendable {
    /// `example.com`, a wildcard such as `*.example.com`, or `*` for any host.
    public var name: String
    /// Routes by URL path prefix; the longest matching prefix wins.
    public var routes: [RouteConfiguration]
    /// The certificate served to clients whose SNI name is this host's, instead of `[tls]`'s.
    public var certificate: CertificatePair?

    public init(name: String = "localhost", routes: [RouteConfiguration] = [], certificate: CertificatePair? = nil) {
        self.certificate = certificate
        self.name = name
        self.routes = routes
    }
}

/// One route: a path prefix and what serves it.
public struct RouteConfiguration: Sendable {
    /// What serves the requests a route matches.
    public enum Target: Sendable {
        /// The handler of this name in ``GatewayConfiguration/handlers``.
        case handler(String)
        /// Files from a directory.
        case directory(DirectoryConfiguration)
        /// An HTTP/1.1 backend the request is passed to (Mongrel2's `Proxy`).
        case proxy(ProxyRouteConfiguration)
    }

    /// URL path prefix, such as `/` or `/hello`.
    public var pattern: String
    /// What serves it.
    public var target: Target

    public init(pattern: String = "/", target: Target) {
        self.pattern = pattern
        self.target = target
    }
}

/// A Dir route: static files under a base directory.
public struct DirectoryConfiguration: Sendable {
    /// Directory the files are served from (relative paths are relative to the working directory).
    public var base: String
    /// File served for a request that names a directory.
    public var indexFile: String
    /// Content type for files whose extension the MIME table does not know.
    public var defaultContentType: String
    /// The `Cache-Control` value sent with every file, or nil for none.
    public var cacheControl: String?
    /// Whether a symbolic link may lead to a file outside ``base``; when false such files are 404.
    public var allowSymlinksOutside: Bool

    public init(
        base: String = "static",
        indexFile: String = "index.html",
        defaultContentType: String = "application/octet-stream",
        cacheControl: String? = nil,
        allowSymlinksOutside: Bool = false
    ) {
        self.base = base
        self.indexFile = indexFile
        self.defaultContentType = defaultContentType
        self.cacheControl = cacheControl
        self.allowSymlinksOutside = allowSymlinksOutside
    }
}
