// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Lurcher",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lurcher", targets: ["LurcherCLI"]),
        .executable(name: "hello-handler", targets: ["HelloHandler"]),
        .executable(name: "echo-handler", targets: ["EchoHandler"]),
        .executable(name: "chat-handler", targets: ["ChatHandler"]),
        .library(name: "LurcherHandler", targets: ["LurcherHandler"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
    ],
    targets: [
        // System libraries.
        // No pkgConfig: Debian's libzmq.pc adds Kerberos include flags SwiftPM rejects; the header and library
        // are in the default paths.
        .systemLibrary(
            name: "CZeroMQ",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .systemLibrary(
            name: "CHTTPParser",
            providers: [.apt(["libhttp-parser-dev"])]
        ),
        // Linux calls glibc does not wrap (openat2, pidfds) or Swift cannot call (the variadic prctl), as
        // header-only inline functions.
        .systemLibrary(name: "CLinux"),
        // SQLite, to read Mongrel2's configuration databases.
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),

        // A small Swift wrapper over libzmq.
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),

        // The Mongrel2 wire protocol: netstrings, tnetstrings, requests, replies, events.
        .target(name: "LurcherProtocol"),

        // The configuration file: model, TOML loading, validation.
        .target(
            name: "LurcherConfiguration",
            dependencies: [
                "LurcherProtocol",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),

        // Mongrel2's configuration database (what `m2sh load` writes), mapped to the configuration model.
        .target(name: "LurcherMongrel2", dependencies: ["CSQLite", "LurcherConfiguration"]),

        // What operators watch: the access log, Prometheus metrics and the admin listener, log events over ZeroMQ.
        .target(
            name: "LurcherOperations",
            dependencies: [
                "ZeroMQ",
                "LurcherProtocol",
                "LurcherConfiguration",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The HTTP front end and the ZeroMQ dispatcher.
        .target(
            name: "LurcherGateway",
            dependencies: [
                "CHTTPParser",
                "CLinux",
                "ZeroMQ",
                "LurcherProtocol",
                "LurcherConfiguration",
                "LurcherOperations",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // The client codec of proxy routes' backend connections.
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                // SHA-1 for the WebSocket handshake's accept value.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            ]
        ),

        // Spawns and keeps the handler processes named in the configuration.
        .target(
            name: "LurcherSupervisor",
            dependencies: [
                "CLinux",
                "LurcherConfiguration",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The library handler processes are written with.
        .target(
            name: "LurcherHandler",
            dependencies: [
                "ZeroMQ",
                "LurcherProtocol",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Mongrel2's control port: the command table, and the ZeroMQ REP socket that serves it.
        .target(
            name: "LurcherControlPort",
            dependencies: [
                "ZeroMQ",
                "LurcherProtocol",
                "LurcherConfiguration",
                "LurcherGateway",
                "LurcherSupervisor",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The `lurcher` command.
        .executableTarget(
            name: "LurcherCLI",
            dependencies: [
                "CLinux",
                "LurcherGateway",
                "LurcherSupervisor",
                "LurcherConfiguration",
                "LurcherControlPort",
                "LurcherMongrel2",
                "ZeroMQ",
                "LurcherOperations",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        // Example handlers.
        .executableTarget(name: "HelloHandler", dependencies: ["LurcherHandler"], path: "Sources/Examples/HelloHandler"),
        .executableTarget(name: "EchoHandler", dependencies: ["LurcherHandler"], path: "Sources/Examples/EchoHandler"),
        .executableTarget(name: "ChatHandler", dependencies: ["LurcherHandler"], path: "Sources/Examples/ChatHandler"),

        // libFuzzer targets for the request parser and the WebSocket frame reader; bench/fuzz builds and runs
        // them. An ordinary build makes tools that replay inputs (crash files) through the same paths.
        .target(name: "FuzzReplay"),
        .executableTarget(name: "RequestFuzzer", dependencies: ["LurcherGateway", "FuzzReplay"]),
        .executableTarget(name: "FrameFuzzer", dependencies: ["LurcherGateway", "FuzzReplay"]),

        // Tests.
        .testTarget(name: "LurcherProtocolTests", dependencies: ["LurcherProtocol"]),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
        .testTarget(name: "LurcherConfigurationTests", dependencies: ["LurcherConfiguration"]),
        .testTarget(
            name: "LurcherControlPortTests",
            dependencies: ["LurcherControlPort", "LurcherProtocol", "LurcherGateway", "LurcherSupervisor"]),
        .testTarget(
            name: "LurcherGatewayTests",
            dependencies: [
                "LurcherGateway", "LurcherConfiguration",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "LurcherOperationsTests", dependencies: ["LurcherOperations"]),
        .testTarget(
            name: "LurcherHandlerTests",
            dependencies: [
                "LurcherHandler", "LurcherProtocol", "ZeroMQ",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "LurcherSupervisorTests",
            dependencies: ["LurcherSupervisor", "LurcherConfiguration", .product(name: "Logging", package: "swift-log")]),
        // Fixtures are run and served by the tests, not compiled.
        .testTarget(name: "EndToEndTests", exclude: ["Fixtures"]),
    ]
)

// Micro benchmarks of the per-request hot paths, run by `bench/micro`. They live in this package so that they can
// reach the `package` seams (`GatewayHotPaths`, `HandlerHotPaths`) without making internal types public. Only a
// build with LURCHER_BENCHMARKS set sees them: ordo-one/benchmark and its tool take minutes to build here, and
// `swift build`, scripts/test, CI and scripts/start should not pay for that.
if Context.environment["LURCHER_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                "LurcherGateway",
                "LurcherHandler",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
}
