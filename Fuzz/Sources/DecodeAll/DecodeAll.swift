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
/// signature, as the fuzz targets do, so a fuzzer's corpus can be replayed.
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
        var decoded = 0, rejected = 0
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
                decoded += 1
                print("ok\t\(image.width)x\(image.height)x\(image.channels)@\(image.bitDepth)\t\(path)")
            } catch {
                rejected += 1
                print("rejected\t\(error.code.rawValue)\t\(path)")
            }
        }
        print("summary: \(decoded + rejected) files, \(decoded) decoded, \(rejected) rejected with an ImageIOError")
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
