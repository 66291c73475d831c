// swift-tools-version: 6.0
import PackageDescription

/// billing-worker: a pure core (`BillingCore`) wrapped by thin adapters for PostgreSQL
/// (libpq), HTTP (Hummingbird), Stripe's REST API (libcurl) and the command line.
let package = Package(
    name: "billing-worker",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "billing-worker", targets: ["BillingWorker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
    ],
    targets: [
        // C libraries.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "CCurlShim", linkerSettings: [.linkedLibrary("curl")]),

        // Pure core: signatures, the billing state machine, alert rules. No I/O, no Foundation.
        .target(name: "BillingCore", dependencies: ["COpenSSL"]),
        // Stripe's JSON: the validating scanner and the decoders of events, envelopes, subscriptions.
        .target(name: "StripeJSON", dependencies: ["BillingCore"]),

        // Adapters.
        .target(name: "BillingPostgres", dependencies: [
            "BillingCore", "StripeJSON", "CLibPQ", "COpenSSL",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "StripeAPI", dependencies: [
            "BillingCore", "StripeJSON", "CCurlShim",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Operator jobs behind the CLI: replay, ingest, reconcile (with back-fill), prune.
        .target(name: "BillingJobs", dependencies: [
            "BillingCore", "StripeJSON", "BillingPostgres", "StripeAPI",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "BillingServer", dependencies: [
            "BillingCore", "StripeJSON", "BillingPostgres",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], resources: [
            // Served verbatim at `GET /openapi.yaml`; embedded as bytes, so no bundle is needed at run time.
            .embedInCode("openapi.yaml"),
        ]),
        .executableTarget(name: "BillingWorker", dependencies: [
            "BillingCore", "BillingPostgres", "BillingServer", "StripeAPI", "BillingJobs",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),

        // Test support and tests.
        .target(name: "BillingTestSupport", dependencies: [
            "BillingCore", "StripeJSON", "BillingPostgres", "COpenSSL",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .testTarget(name: "BillingCoreTests", dependencies: [
            "BillingCore", "StripeJSON", "BillingTestSupport",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ], path: "Tests/BillingCoreTests"),
        // The scanner and decoders, against Foundation's JSONDecoder kept as an oracle, and the fuzz inputs.
        .testTarget(name: "StripeJSONTests", dependencies: [
            "BillingCore", "StripeJSON", "BillingTestSupport",
        ]),
        .testTarget(name: "BillingPostgresTests", dependencies: [
            "BillingCore", "BillingPostgres", "BillingTestSupport",
        ]),
        .testTarget(name: "StripeAPITests", dependencies: ["StripeAPI", "BillingTestSupport"]),
        // The event queue and `BillingEventHandler` on a real PostgreSQL, without the HTTP app.
        .testTarget(name: "EventProcessingTests", dependencies: [
            "BillingCore", "StripeJSON", "BillingPostgres", "BillingTestSupport",
        ]),
        .testTarget(name: "BillingJobsTests", dependencies: [
            "BillingCore", "StripeJSON", "BillingPostgres", "BillingJobs", "StripeAPI", "BillingTestSupport",
        ]),
        .testTarget(name: "BillingServerTests", dependencies: [
            "BillingCore", "StripeJSON", "BillingPostgres", "BillingServer", "BillingTestSupport", "StripeAPI", "BillingJobs",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "PropertyBased", package: "swift-property-based"),
            .product(name: "Yams", package: "Yams"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
