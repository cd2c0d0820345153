// swift-tools-version: 6.1
import PackageDescription

/// The CPU the release build's convolution loops are compiled for. AVX-512 by default (the
/// machines filterpipe is measured on); `FILTERPIPE_TARGET_CPU=haswell` (AVX2 + FMA) or `x86-64`
/// (any x86-64, several times slower on conv banks) for other machines; `native` for this one.
let targetCPU = Context.environment["FILTERPIPE_TARGET_CPU"] ?? "skylake-avx512"

let package = Package(
    name: "filterpipe",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "FilterPipe", targets: ["FilterPipe"]),
        .executable(name: "filterpipe", targets: ["filterpipe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
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
        .target(
            name: "FilterPipe",
            dependencies: ["CImageIO"],
            swiftSettings: [
                // Release builds only (`swift test` builds debug, untouched): AVX-512 code for the
                // convolution loops (skylake-avx512 = the AVX-512 subset every AVX-512 x86 has, Zen 4
                // included; as fast here as -target-cpu native; the portable default is ~5× slower on
                // conv banks) and FMA in the inner loops. -Ounchecked measured no faster, and would
                // drop the library's preconditions. On a CPU without AVX-512 see `targetCPU` above.
                .unsafeFlags(["-target-cpu", targetCPU], .when(configuration: .release)),
                .define("FILTERPIPE_FMA", .when(configuration: .release)),
            ]
        ),
        .executableTarget(
            name: "filterpipe",
            dependencies: ["FilterPipe", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "filterpipe-bench", dependencies: ["FilterPipe"]),
        .testTarget(name: "FilterPipeTests", dependencies: ["FilterPipe"], exclude: ["Fixtures"]),
        // Runs the built binary: depending on the executable makes `swift test` build it.
        .testTarget(name: "FilterPipeCLITests", dependencies: ["FilterPipe", "filterpipe"]),
    ]
)
