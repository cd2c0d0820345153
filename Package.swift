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
            dependencies: ["CImageIO"],
            swiftSettings: [
                // Release builds only (`swift test` builds debug, untouched): AVX-512 + FMA code for the
                // convolution loops (skylake-avx512 = the AVX-512 subset every AVX-512 x86 has, Zen 4
                // included; as fast here as -target-cpu native), FMA in the inner loops, no overflow
                // traps. On a CPU without AVX-512 use "haswell" instead (AVX2 + FMA).
                .unsafeFlags(["-Ounchecked", "-target-cpu", "skylake-avx512"], .when(configuration: .release)),
                .define("FILTERPIPE_FMA", .when(configuration: .release)),
            ]
        ),
        .executableTarget(
            name: "filterpipe",
            dependencies: ["FilterPipe", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "filterpipe-bench", dependencies: ["FilterPipe"]),
        .testTarget(name: "FilterPipeTests", dependencies: ["FilterPipe"]),
    ]
)
