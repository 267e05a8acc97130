// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Tessera",
    products: [
        .executable(name: "tessera", targets: ["tessera"]),
        .library(name: "Tessera", targets: ["Tessera"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // The runtime kernel library (portable C99). `swift build` compiles it for the
        // host so tests can call kernels directly; the code generator copies the files a
        // model needs next to the generated model.
        .target(
            name: "TesseraKernels",
            path: "Sources/TesseraKernels",
            cSettings: [.unsafeFlags(["-std=c99", "-ffp-contract=off"])]
        ),
        // The compiler: all logic, no printing, no exit.
        .target(
            name: "Tessera",
            dependencies: [
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Tessera"
        ),
        // The thin command-line layer.
        .executableTarget(
            name: "tessera",
            dependencies: [
                "Tessera",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/tessera"
        ),
        // The fuzzer's engine: structure-aware mutations of model JSON and ONNX, run in
        // process against the library, in a worker process the supervisor restarts after
        // a trap or a hang.
        .target(
            name: "TesseraFuzz",
            dependencies: ["Tessera"],
            path: "Sources/TesseraFuzz"
        ),
        // Its command line: `make fuzz`, and the fuzz tests of `make test`.
        .executableTarget(
            name: "tessera-fuzz",
            dependencies: [
                "TesseraFuzz", "Tessera",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/tessera-fuzz"
        ),
        .testTarget(
            name: "TesseraTests",
            dependencies: ["Tessera", "TesseraKernels", "tessera", "tessera-fuzz"],
            path: "Tests/TesseraTests",
            exclude: ["Snapshots", "FuzzCorpus"]
        ),
    ]
)
