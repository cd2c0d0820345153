import Synchronization

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
///
/// A manifest is appended only to a file that is ours: a new file, an empty regular file, a
/// regular file whose every line is a filterpipe manifest record, a character device or a pipe
/// (`/dev/stdout`, `/dev/null`). Never to an input, the filter file, a folder or a socket.
/// A record that cannot be written (a full disk) is remembered in `writeFailure`, so the run
/// can end with a non-zero status.
public final class ManifestWriter: Sendable {
    private let descriptor: Int32
    private let path: String
    private let failure = Mutex<String?>(nil)

    struct Record: Codable {
        var input: String
        var relative_path: String
        var output_stem: String
        var kept_extension: Bool?
        var status: String
        var outputs: [String]
        /// How many of `outputs` are maps (all but the montages), as the summary counts them.
        var maps: Int
        /// The montages among `outputs`.
        var montages: [String]
        var error: String?
        var megapixels: Double
        var seconds: Timings
        struct Timings: Codable {
            var decode: Double, compute: Double, normalize: Double, encode: Double
        }
    }

    /// The fields every filterpipe manifest record has (what `init` recognises an earlier manifest by).
    private struct RecordHead: Decodable {
        var input: String
        var relative_path: String
        var status: String
        var outputs: [String]
    }

    /// Opens (creating if needed) the manifest at `path` for appending, after checking that it is
    /// ours (see the type's description) and none of `protected` (inputs, the filter file).
    public init(path: String, protecting protected: [String] = []) throws(BatchSetupError) {
        self.path = path
        var before = stat()
        let existed = stat(path, &before) == 0
        if existed {
            try Self.checkOurs(path, info: before, protecting: protected)
        }
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0o644)
        if descriptor < 0 {
            throw BatchSetupError("\(path): cannot open manifest: \(String(cString: strerror(errno)))")
        }
        var after = stat()
        guard fstat(descriptor, &after) == 0,
            !existed || (after.st_dev == before.st_dev && after.st_ino == before.st_ino),
            [S_IFREG, S_IFCHR, S_IFIFO].contains(after.st_mode & S_IFMT)
        else {
            close(descriptor)
            throw BatchSetupError("\(path): changed while it was checked; refusing to append a manifest to it")
        }
        // Blocking writes from here on (a terminal or pipe behind /dev/stdout must not return EAGAIN).
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
    }

    deinit { close(descriptor) }

    /// The first record that could not be written, as a one-line message; nil when all were.
    public var writeFailure: String? { failure.withLock { $0 } }

    private static func checkOurs(_ path: String, info: stat, protecting protected: [String]) throws(BatchSetupError) {
        let type = info.st_mode & S_IFMT
        // A device or a pipe (`/dev/stdout`, `/dev/null`): opening a pipe without a reader fails
        // at once (O_NONBLOCK), it never hangs.
        if type == S_IFCHR || type == S_IFIFO { return }
        guard type == S_IFREG else {
            throw BatchSetupError(
                "\(path): is \(InputDiscovery.typeName(type)); a manifest is written only to a new file, "
                    + "an empty file or an earlier manifest")
        }
        for other in protected {
            var id = stat()
            if stat(other, &id) == 0, id.st_dev == info.st_dev, id.st_ino == info.st_ino {
                throw BatchSetupError("\(path): is \(other), which this run reads; refusing to append a manifest to it")
            }
        }
        guard info.st_size > 0 else { return }
        let text: [UInt8]
        do throws(ImageIOError) {
            text = try ImageCodec.readFile(path)
        } catch {
            throw BatchSetupError("\(path): cannot read the earlier manifest: \(error.message)")
        }
        let decoder = JSONDecoder()
        var lines = text.split(separator: 0x0A, omittingEmptySubsequences: false)
        // The last line without its newline may be a record another shard is writing right now.
        if text.last != 0x0A && lines.count > 1 { lines.removeLast() }
        for (number, line) in lines.enumerated() where !line.isEmpty {
            guard (try? decoder.decode(RecordHead.self, from: Data(line))) != nil else {
                throw BatchSetupError(
                    "\(path): line \(number + 1) is not a filterpipe manifest record; refusing to append a manifest "
                        + "to a file that is not one (give a new file)")
            }
        }
    }

    func append(_ result: ImageResult) {
        let t = result.timings
        let record = Record(
            input: result.input.path, relative_path: result.input.relativePath,
            output_stem: result.input.outputStem, kept_extension: result.input.keptExtension ? true : nil,
            status: result.status.rawValue, outputs: result.outputs, maps: result.mapsWritten,
            montages: result.outputs.filter { result.montages.contains($0) }, error: result.error,
            megapixels: (result.megapixels * 1e6).rounded() / 1e6,
            seconds: .init(
                decode: round6(t.decode), compute: round6(t.compute),
                normalize: round6(t.normalize), encode: round6(t.encode)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(record) else {
            fail("cannot encode the record of \(result.input.path)")
            return
        }
        line.append(0x0A)
        let written = line.withUnsafeBytes { raw -> Int in
            var done = 0
            while done < raw.count {
                let count = systemWrite(descriptor, raw.baseAddress! + done, raw.count - done)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return count < 0 ? -Int(errno) : -Int(EIO) }
                done += count
            }
            return done
        }
        if written < 0 {
            fail("cannot write a record: \(String(cString: strerror(Int32(-written))))")
        }
    }

    private func fail(_ reason: String) {
        failure.withLock { first in
            if first == nil { first = escapedForMessage("\(path): manifest: \(reason)") }
        }
    }

    private func round6(_ x: Double) -> Double { (x * 1e6).rounded() / 1e6 }
}
