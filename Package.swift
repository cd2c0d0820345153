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
    ],
    targets: [
        .target(
            name: "CImageIO",
            linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg"), .linkedLibrary("z"), .linkedLibrary("deflate")]
        ),
        .target(
            name: "FilterPipe",
            dependencies: ["CImageIO"]
        ),
        .executableTarget(
            name: "filterpipe",
            dependencies: ["FilterPipe", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "FilterPipeTests", dependencies: ["FilterPipe"], exclude: ["Fixtures"]),
        // Runs the built binary: depending on the executable makes `swift test` build it.
        .testTarget(name: "FilterPipeCLITests", dependencies: ["FilterPipe", "filterpipe"]),
    ]
)
