import FilterPipe
import FuzzSupport

/// Decodes every file named on the command line with the default limits, checks each decoded
/// buffer's shape and round-trips small images through the PNG encoder, and prints one line per
/// file plus a summary. Meant to run under valgrind (`scripts/valgrind-decoders.sh`): a clean
/// rejection of a broken file is a success; only memory errors (valgrind's exit code) or a
/// failed check (a trap) are failures.
@main
struct DecodeAll {
    static func main() {
        var decoded = 0, rejected = 0
        for path in CommandLine.arguments.dropFirst() {
            do {
                let image = try ImageCodec.decode(fileAt: path)
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
}
