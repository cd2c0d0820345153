// swift-tools-version: 6.1
// Fuzz targets and the valgrind decode driver, kept out of the root package: building with
// `--sanitize=fuzzer` links libFuzzer's own `main`, which breaks any `main.swift` executable in
// the same build (the root's `filterpipe` CLI). Run them through ../scripts/fuzz.sh and
// ../scripts/valgrind-decoders.sh.
import PackageDescription

// The root package is reached through the committed symlink `Root/filterpipe -> ../..` rather
// than `..`: SwiftPM names a path dependency after its folder, which for `..` is whatever the
// checkout is called (`main`, a worktree name, or `fuzz`, which then clashes with this package's
// own identity). Through the link it is always `filterpipe`.
// The fuzz targets' `-parse-as-library` (unsafeFlags) stays: they export libFuzzer's entry point and
// have no `@main`, so SwiftPM would otherwise emit a `main` that clashes with libFuzzer's. This
// package is a development tool, never a dependency; the root package has no unsafeFlags.
let filterPipe: Target.Dependency = .product(name: "FilterPipe", package: "filterpipe")

let package = Package(
    name: "filterpipe-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: "Root/filterpipe")
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [filterPipe]
        ),
        .executableTarget(
            name: "FuzzPNG",
            dependencies: ["FuzzSupport"],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "FuzzJPEG",
            dependencies: ["FuzzSupport"],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "FuzzPNGEncode",
            dependencies: [filterPipe],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "FuzzFilterFile",
            dependencies: [filterPipe],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        // An ordinary executable (no libFuzzer): decodes every file named on the command line.
        .executableTarget(
            name: "DecodeAll",
            dependencies: ["FuzzSupport", filterPipe]
        ),
    ]
)
