import LurcherProtocol

/// The TOML document as written, before validation. Keys are snake_case as in the file.
///
/// Kept separate from the validated model so that the file's shape (strings, optional keys) does not leak
/// into the types the gateway uses.
struct ConfigurationFile: Decodable {
    var server: ServerSection?
    var limits: LimitsSection?
    var timeouts: TimeoutsSection?
    var uploads: UploadsSection?
    var hosts: [HostSection]?
    var handlers: [String: HandlerSection]?
    var access_log: AccessLogSection?
    var admin: AdminSection?
    var events: EventsSection?
    var tls: TLSSection?
    var proxy: ProxySection?

    struct ProxySection: Decodable {
        var max_idle_connections: Int?
        var idle_timeout: Seconds?
    }

    struct ServerSection: Decodable {
        var listen: String?
        var uuid: String?
        var default_host: String?
        var control: String?
        var no_clobber_xff: Bool?
        var control_port: String?
        var control_port_allow_remote: Bool?
        var redirect_to_https: Bool?
        var http2: Bool?
        var http2_cleartext: Bool?
        var trusted_proxies: [String]?
    }

    struct LimitsSection: Decodable {
        var max_uri_bytes: Int?
        var max_header_bytes: Int?
        var max_header_count: Int?
        var max_body_bytes: Int?
        var max_pipelined_requests: Int?
        var max_held_requests: Int?
        var max_connections: Int?
        var max_websocket_message_bytes: Int?
        var max_concurrent_streams: Int?
    }

    struct TimeoutsSection: Decodable {
        var hold: Seconds?
        var reply: Seconds?
        var request: Seconds?
        var keepalive: Seconds?
        var write: Seconds?
        var websocket_idle: Seconds?
    }

    struct UploadsSection: Decodable {
        var directory: String?
        var threshold_bytes: Int?
    }

    struct HostSection: Decodable {
        var name: String
        var routes: [String: RouteSection]
        var certificate: String?
        var key: String?
    }

    struct TLSSection: Decodable {
        var listen: String?
        var certificate: String
        var key: String
        var min_version: String?
        var client_ca: String?
        var verify_client: String?
        var hsts: String?
    }

    struct RouteSection: Decodable {
        var handler: String?
        var dir: String?
        var index: String?
        var default_content_type: String?
        var cache_control: String?
        var allow_symlinks_outside: Bool?
        var proxy: String?
        var proxy_host: String?
    }

    struct AccessLogSection: Decodable {
        var path: String?
        var format: String?
    }

    struct AdminSection: Decodable {
        var listen: String
        var allow_remote: Bool?
    }

    struct EventsSection: Decodable {
        var publish: String
        var high_water_mark: Int?
    }

    struct HandlerSection: Decodable {
        var mode: String?
        var send_spec: String
        var recv_spec: String?
        var heartbeat_interval: Seconds?
        var heartbeat_liveness: Int?
        var job_spec: String?
        var send_ident: String
        var `protocol`: String?
        var upload_stream: Bool?
        var download_flow_control: Bool?
        var command: [String]?
        var processes: Int?
        var min_processes: Int?
        var max_processes: Int?
        var stop_timeout: Seconds?
        var ready_timeout: Seconds?
        var working_directory: String?
        var environment: [String: String]?
        var curve_secret_key: String?
        var curve_allowed_clients: [String]?
        var curve_allowed_clients_file: String?
        var allow_plaintext: Bool?
    }
}

/// A number of seconds, written in TOML as an integer or a float.
struct Seconds: Decodable {
    var duration: Duration

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let whole = try? container.decode(Int.self) {
            duration = .seconds(whole)
        } else {
            duration = .milliseconds(Int((try container.decode(Double.self) * 1000).rounded()))
        }
    }
}
