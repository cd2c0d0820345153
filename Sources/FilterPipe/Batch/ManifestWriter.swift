#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Appends one JSON object per image to a JSON Lines file, so the records of several shards (or
/// runs) can be concatenated, merged and audited.
///
/// Each record goes out in a single `write` on a file opened with `O_APPEND`, so records from
/// concurrent workers or processes do not interleave.
public final class ManifestWriter: Sendable {
    private let descriptor: Int32

    struct Record: Encodable {
        var input: String
        var relative_path: String
        var status: String
        var outputs: [String]
        var error: String?
        var megapixels: Double
        var seconds: Timings
        struct Timings: Encodable {
            var decode: Double, compute: Double, normalize: Double, encode: Double
        }
    }

    /// Opens (creating if needed) the manifest at `path` for appending.
    public init(path: String) throws(BatchSetupError) {
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if descriptor < 0 {
            throw BatchSetupError("\(path): cannot open manifest: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    func append(_ result: ImageResult) {
        let t = result.timings
        let record = Record(
            input: result.input.path, relative_path: result.input.relativePath,
            status: result.status.rawValue, outputs: result.outputs, error: result.error,
            megapixels: (result.megapixels * 1e6).rounded() / 1e6,
            seconds: .init(
                decode: round6(t.decode), compute: round6(t.compute),
                normalize: round6(t.normalize), encode: round6(t.encode)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(record) else { return }
        line.append(0x0A)
        _ = line.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
    }

    private func round6(_ x: Double) -> Double { (x * 1e6).rounded() / 1e6 }
}
