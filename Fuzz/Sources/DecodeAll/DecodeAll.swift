import FilterPipe
import FuzzSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Decodes every file named on the command line with the default limits, checks each decoded
/// buffer's shape and round-trips small images through the PNG encoder, and prints one line per
/// file plus a summary. Meant to run under valgrind (`scripts/valgrind-decoders.sh`): a clean
/// rejection of a broken file is a success; only memory errors (valgrind's exit code) or a
/// failed check (a trap) are failures.
///
/// `--as png` / `--as jpeg` first overwrites each file's leading bytes with that format's
/// signature, as the fuzz targets do, so a fuzzer's corpus can be replayed. Otherwise each file
/// also goes through the batch runner's streaming route twice (decoded into row layout, written
/// back from it: as is, and through a blur computed band by band over its own rows), so that
/// valgrind sees the row-layout decoders and the in-place PNG writer too (images up to 1 MP); its
/// outputs must decode to the decoded image's size.
@main
struct DecodeAll {
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var forcedSignature: [UInt8] = []
        if arguments.count >= 2, arguments[0] == "--as" {
            switch arguments[1] {
            case "png": forcedSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            case "jpeg": forcedSignature = [0xFF, 0xD8, 0xFF]
            default: fatalError("--as takes png or jpeg")
            }
            arguments.removeFirst(2)
        }
        var decoded = 0, rejected = 0, streamed = 0
        let output = "/tmp/decodeall-\(getpid())"
        mkdir(output, 0o755)
        defer { _ = system("rm -rf '\(output)'") }
        for path in arguments {
            do {
                let image: PixelBuffer
                if forcedSignature.isEmpty {
                    image = try ImageCodec.decode(fileAt: path)
                } else {
                    var bytes = try readBytes(path)
                    for index in 0..<min(bytes.count, forcedSignature.count) { bytes[index] = forcedSignature[index] }
                    image = try ImageCodec.decode(bytes, path: path)
                }
                FuzzChecks.checkShape(image)
                FuzzChecks.roundTrip(image)
                // Up to 1 MP, as the round trip: under memcheck a debug blur of a 12 MP photo takes minutes.
                if forcedSignature.isEmpty && image.width * image.height <= 1 << 20 {
                    streamed += stream(path, size: (image.width, image.height), into: output)
                }
                decoded += 1
                print("ok\t\(image.width)x\(image.height)x\(image.channels)@\(image.bitDepth)\t\(path)")
            } catch {
                rejected += 1
                print("rejected\t\(error.code.rawValue)\t\(path)")
            }
        }
        print(
            "summary: \(decoded + rejected) files, \(decoded) decoded, \(rejected) rejected with an ImageIOError, "
                + "\(streamed) streamed outputs")
    }

    static let streamingPipelines: [Pipeline] = [
        "input rgb\noutput image normalize=clamp",
        "input rgb\nconv pad=2 pad_mode=replicate depthwise\n  filter g = gaussian size=5 sigma=1\noutput image normalize=clamp",
    ].map { try! Pipeline(text: $0) }

    /// Runs `path` through the streaming route with each of `streamingPipelines`; returns how many
    /// outputs were written (16-bit images take the float route and count too).
    static func stream(_ path: String, size: (Int, Int), into output: String) -> Int {
        var written = 0
        for pipeline in streamingPipelines {
            var options = BatchOptions()
            options.jobs = 1
            options.output = pipeline.spec.output
            let runner = BatchRunner(pipeline: pipeline, output: OutputTree(root: output), options: options)
            let result = runner.process(BatchInput(path: path, relativePath: "x", outputStem: "x"))
            guard result.status == .written, let file = result.outputs.first else {
                fatalError("\(path): streamed \(result.status): \(result.error ?? "")")
            }
            guard let back = try? ImageCodec.decode(fileAt: file), back.width == size.0, back.height == size.1 else {
                fatalError("\(path): the streamed output does not decode to \(size)")
            }
            written += 1
        }
        return written
    }

    /// The whole file.
    static func readBytes(_ path: String) throws(ImageIOError) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw ImageIOError(.io, path: path, message: "cannot open") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            bytes.append(contentsOf: chunk[0..<count])
            if count < chunk.count { return bytes }
        }
    }
}
