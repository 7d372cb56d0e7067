// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "based",
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [
        .executable(name: "based", targets: ["based"]),
        .library(name: "BasedApp", targets: ["BasedApp"]),
        .library(name: "BasedMedia", targets: ["BasedMedia"]),
        .library(name: "BasedAnalysis", targets: ["BasedAnalysis"]),
        .library(name: "BasedRealtime", targets: ["BasedRealtime"]),
        .library(name: "BasedCRDT", targets: ["BasedCRDT"]),
        .library(name: "BasedSearch", targets: ["BasedSearch"]),
        .library(name: "BasedQR", targets: ["BasedQR"]),
        .library(name: "BasedGeo", targets: ["BasedGeo"]),
        .library(name: "BasedModeration", targets: ["BasedModeration"]),
        .library(name: "BasedDiscovery", targets: ["BasedDiscovery"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // CommandLineArguments: settings are read from flags by the same reader as from the environment.
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: [.defaults, "CommandLineArguments"]),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // Already in the graph through Hummingbird: NIOHTTPTypes, the HTTP parts the stream fast path reads.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // Already in the graph through hummingbird-websocket: gzip of the web app's files at start.
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Only the OTLP/HTTP exporter: spans go out as protobuf over HTTP, no gRPC stack.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        // Property tests (BasedCRDTTests): random edit histories and delivery orders.
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .executableTarget(
            name: "based",
            dependencies: [
                "BasedAnalysis",
                "BasedApp",
                "BasedDiscovery",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Only the code generated from docs/openapi.yaml, so a change to the
        // contract rebuilds this small target and not the whole server.
        .target(
            name: "BasedAPI",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            resources: [.copy("openapi.yaml")],
            // The generator writes `public import`s that some generated files do
            // not need; those warnings are about code we cannot edit.
            swiftSettings: [.unsafeFlags(["-suppress-warnings"])],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .target(
            name: "BasedMedia",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        // FFTW's single-precision FFT from Debian's libfftw3-dev, so no FFT is written by hand.
        .systemLibrary(
            name: "CFFTW",
            pkgConfig: "fftw3f",
            providers: [.apt(["libfftw3-dev"])]
        ),
        // libFLAC from Debian's libflac-dev: FLAC uploads are decoded in-process.
        .systemLibrary(
            name: "CFLAC",
            pkgConfig: "flac",
            providers: [.apt(["libflac-dev"])]
        ),
        // libsoxr from Debian's libsoxr-dev: the resampler librosa loads with, so the
        // features see the same 22,050 Hz samples.
        .systemLibrary(
            name: "CSoxr",
            pkgConfig: "soxr",
            providers: [.apt(["libsoxr-dev"])]
        ),
        // Audio analysis: pure computation over PCM that ffmpeg decodes; no database, no HTTP.
        .target(
            name: "BasedAnalysis",
            dependencies: ["CFFTW", "CFLAC", "CSoxr"],
            swiftSettings: swiftSettings
        ),
        // `swift run -c release BasedAnalysisBench`: timings, and JSON results the accuracy suite reads.
        .executableTarget(
            name: "BasedAnalysisBench",
            dependencies: ["BasedAnalysis"],
            path: "Benchmarks/BasedAnalysisBench",
            swiftSettings: swiftSettings
        ),
        // `make bench-fingerprint`: landmark fingerprints over a rendered catalogue, next to Chromaprint.
        .executableTarget(
            name: "BasedFingerprintBench",
            dependencies: ["BasedAnalysis"],
            path: "Benchmarks/BasedFingerprintBench",
            swiftSettings: swiftSettings
        ),
        // The realtime layer's parts with no database and no HTTP: message
        // ordering per conversation and per socket, the socket outbox, wire
        // frames and the bus's event type.
        .target(
            name: "BasedRealtime",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The sequence CRDT behind collaborative playlists: operations, their
        // merge and the records the server stores; no database, no HTTP.
        .target(
            name: "BasedCRDT",
            swiftSettings: swiftSettings
        ),
        // Search's text matching and ranking: normalising names, an in-memory
        // inverted index with prefixes and typos; no database, no HTTP.
        .target(
            name: "BasedSearch",
            swiftSettings: swiftSettings
        ),
        // Distances and index boxes on the earth (nearby shows, venues, alerts). No I/O.
        .target(
            name: "BasedGeo",
            swiftSettings: swiftSettings
        ),
        // QR codes (ISO/IEC 18004) as SVG: ticket codes for the door. No I/O.
        .target(
            name: "BasedQR",
            swiftSettings: swiftSettings
        ),
        // `swift run -c release BasedQRBench time`; `… svgs DIR [level]` writes SVGs for scripts/qr/check_decodes.sh.
        .executableTarget(
            name: "BasedQRBench",
            dependencies: ["BasedQR"],
            path: "Benchmarks/BasedQRBench",
            swiftSettings: swiftSettings
        ),
        // `make bench-search` (first part): the index alone over the generated catalogue, next to a linear scan.
        .executableTarget(
            name: "BasedSearchBench",
            dependencies: ["BasedSearch"],
            path: "Benchmarks/BasedSearchBench",
            swiftSettings: swiftSettings
        ),
        // Moderation's pure text work: word lists (data files a community edits)
        // and a filter that sees through leetspeak, separators and look-alikes.
        .target(
            name: "BasedModeration",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Wordlists")],
            swiftSettings: swiftSettings
        ),
        // OpenBLAS (CBLAS) and LAPACKE from Debian's libopenblas-dev and liblapacke-dev:
        // the collaborative model's matrix work comes from a library, not hand-written loops.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        // Discovery's pure computation: the HNSW vector index, the collaborative
        // model, taste profiles, moods and the ranking; no database, no HTTP.
        .target(
            name: "BasedDiscovery",
            dependencies: ["CBLAS"],
            swiftSettings: swiftSettings
        ),
        // `make bench-ann`: the HNSW index against hnswlib on the same vectors.
        .executableTarget(
            name: "BasedDiscoveryBench",
            dependencies: ["BasedDiscovery"],
            path: "Benchmarks/BasedDiscoveryBench",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BasedApp",
            dependencies: [
                "BasedAPI",
                "BasedAnalysis",
                "BasedCRDT",
                "BasedDiscovery",
                "BasedMedia",
                "BasedModeration",
                "BasedRealtime",
                "BasedSearch",
                "BasedQR",
                "BasedGeo",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BasedAppTests",
            dependencies: [
                "BasedAPI",
                "BasedApp",
                "BasedMedia",
                "BasedRealtime",
                "BasedSearch",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(
            name: "BasedRealtimeTests",
            dependencies: ["BasedRealtime", .product(name: "NIOEmbedded", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BasedCRDTTests",
            dependencies: ["BasedCRDT", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BasedSearchTests",
            dependencies: ["BasedSearch"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BasedGeoTests",
            dependencies: ["BasedGeo"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BasedQRTests",
            dependencies: ["BasedQR"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BasedModerationTests",
            dependencies: ["BasedModeration"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BasedDiscoveryTests",
            dependencies: ["BasedDiscovery"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BasedMediaTests",
            dependencies: ["BasedMedia"]
        ),
        .testTarget(
            name: "BasedAnalysisTests",
            dependencies: ["BasedAnalysis"],
            swiftSettings: swiftSettings
        ),
    ]
)
