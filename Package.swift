// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "filterpipe",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "FilterPipe", targets: ["FilterPipe"]),
        .executable(name: "filterpipe", targets: ["filterpipe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The ONNX front end's protobuf runtime; the message types are generated once and committed
        // (scripts/generate-onnx-proto.sh), so no build plugin and no protoc at build time.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .target(
            name: "CImageIO",
            // libdeflate is not linked: deflate_backend.c loads it at run time when present (dlopen,
            // in libc since glibc 2.34 and on macOS; libdl before), else zlib does its work.
            linkerSettings: [
                .linkedLibrary("png"), .linkedLibrary("jpeg"), .linkedLibrary("z"),
                .linkedLibrary("dl", .when(platforms: [.linux])),
            ]
        ),
        // The convolution loops in C, compiled per instruction set inside the sources
        // (`#pragma clang attribute push(target(...))`) and chosen at run time: no build flags.
        .target(name: "CConvKernels"),
        .target(
            name: "FilterPipe",
            dependencies: ["CImageIO", "CConvKernels", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["ONNX/Generated/onnx.proto", "ONNX/Generated/LICENSE-onnx.txt"]
        ),
        .executableTarget(
            name: "filterpipe",
            dependencies: ["FilterPipe", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "filterpipe-bench", dependencies: ["FilterPipe"]),
        .testTarget(
            name: "FilterPipeTests",
            // SwiftProtobuf: the ONNX loader tests build small models with the generated message types.
            dependencies: ["FilterPipe", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Fixtures"]
        ),
        // Runs the built binary: depending on the executable makes `swift test` build it.
        .testTarget(
            name: "FilterPipeCLITests",
            // SwiftProtobuf: the ONNX command tests build small models with the generated message types.
            dependencies: ["FilterPipe", "filterpipe", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
    ]
)
