import Foundation
import Testing

@testable import FilterPipe

// The binary writes PNGs through its own run-length coder at level 1 (the default), and through
// libdeflate when libdeflate.so.0 loads, else zlib, otherwise; FILTERPIPE_DEFLATE=zlib or
// =libdeflate makes that library write them all. Every way, the maps must be the same pixels, read
// back by libpng (an inflater independent of the writers but zlib, which is checked against the rest).

private let libdeflatePresent = ImageCodec.DeflateBackend.libdeflate.name != nil

@Test func versionNamesTheDeflateImplementationOnItsOwnLine() throws {
    let forced = try CLI.run(["--version"], environment: ["FILTERPIPE_DEFLATE": "zlib"])
    #expect(forced.status == 0)
    let lines = forced.stdout.split(separator: "\n")
    #expect(lines.contains { $0.hasPrefix("deflate: zlib 1.") && $0.hasSuffix("(FILTERPIPE_DEFLATE=zlib)") }, "\(forced.stdout)")
    let chosen = try CLI.run(["--version"], environment: ["FILTERPIPE_DEFLATE": "libdeflate"])
    let expected = libdeflatePresent ? "deflate: libdeflate (" : "deflate: zlib 1."
    #expect(chosen.stdout.split(separator: "\n").contains { $0.hasPrefix(expected) }, "\(chosen.stdout)")
    let standard = try CLI.run(["--version"], environment: ["FILTERPIPE_DEFLATE": ""])
    #expect(
        standard.stdout.split(separator: "\n").contains {
            $0.hasPrefix("deflate: filterpipe run-length coder at level 1, else ")
        }, "\(standard.stdout)")
}

/// Runs `filter` over the bundled photos into a fresh folder; returns every map, by relative path,
/// as bytes.
private func runBundledPhotos(_ scratch: Scratch, filter: String, out: String, deflate: String) throws -> [String: [UInt8]] {
    let result = try CLI.run(
        ["apply", CLI.samples + "/filters/" + filter, CLI.samples + "/images", scratch.file(out), "--profile"],
        environment: ["FILTERPIPE_DEFLATE": deflate])
    #expect(result.status == 0, "\(result.stderr)")
    let library = libdeflatePresent ? "libdeflate (" : "zlib 1."
    let named =
        switch deflate {
        case "zlib": "deflate   zlib 1."
        case "libdeflate": "deflate   " + library
        default: "deflate   filterpipe run-length coder at level 1, else " + library
        }
    #expect(result.stderr.contains(named), "\(result.stderr)")
    var maps: [String: [UInt8]] = [:]
    for relative in scratch.files(under: out) {
        maps[relative] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: scratch.file(out + "/" + relative))))
    }
    return maps
}

// edge: float maps rendered and written from memory; blur: the streaming route, rows written in place.
@Test(arguments: ["edge.filter", "blur.filter"])
func applyWritesTheSamePixelsThroughTheRunLengthCoderLibdeflateAndZlib(filter: String) throws {
    let scratch = Scratch()
    let viaZlib = try runBundledPhotos(scratch, filter: filter, out: "zlib", deflate: "zlib")
    for other in ["libdeflate", ""] {
        let viaOther = try runBundledPhotos(scratch, filter: filter, out: "other-" + other, deflate: other)
        #expect(viaZlib.count >= 3 && Set(viaZlib.keys) == Set(viaOther.keys))
        for (path, zlibBytes) in viaZlib {
            guard let otherBytes = viaOther[path] else { continue }
            let a = try ImageCodec.decodePNGWithLibpng(zlibBytes), b = try ImageCodec.decodePNGWithLibpng(otherBytes)
            #expect(a == b, "\(filter) \(path) \(other)")
            if libdeflatePresent || other == "" {
                #expect(zlibBytes != otherBytes, "\(path): zlib and \(other) wrote the same bytes")
            }
        }
    }
}
