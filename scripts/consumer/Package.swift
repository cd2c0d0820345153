// swift-tools-version: 6.1
// A package that uses filterpipe the way any other package would: by URL and version.
// scripts/check-consumer.sh points FILTERPIPE_PACKAGE_URL at a tagged clone and runs it.
import PackageDescription

guard let url = Context.environment["FILTERPIPE_PACKAGE_URL"] else {
    fatalError("set FILTERPIPE_PACKAGE_URL to a tagged filterpipe repository (scripts/check-consumer.sh does)")
}

let package = Package(
    name: "consumer",
    platforms: [.macOS(.v13)],
    dependencies: [.package(url: url, from: "1.0.0")],
    targets: [
        .executableTarget(name: "consumer", dependencies: [.product(name: "FilterPipe", package: "filterpipe")])
    ]
)
