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
            linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg"), .linkedLibrary("z")]
        ),
        .target(
            name: "FilterPipe",
            dependencies: ["CImageIO"]
        ),
        .executableTarget(
            name: "filterpipe",
            dependencies: ["FilterPipe", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "filterpipe-bench", dependencies: ["FilterPipe"]),
        .testTarget(name: "FilterPipeTests", dependencies: ["FilterPipe"]),
    ]
)
