import ArgumentParser
import FilterPipe

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

@main
struct FilterPipeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filterpipe",
        abstract: "Run CNN-style convolution filter banks over folders of photos and write feature maps as PNGs.",
        // Second line: which deflate implementation writes the PNGs (libdeflate is optional);
        // third: which conv kernel set runs (chosen from the CPU, or FILTERPIPE_ISA).
        version: filterpipeVersion + "\ndeflate: " + ImageCodec.deflateBackend + "\nconv kernels: \(KernelSet.active)",
        subcommands: [ApplyCommand.self, CheckCommand.self, KernelsCommand.self, ShowCommand.self]
    )

    /// Usage errors exit 2 (as the docs promise), not ArgumentParser's 64; help and version exit 0.
    static func main() {
        // A forced kernel set this CPU cannot run (or a misspelt one) is refused up front, not
        // silently replaced: benchmarks and tests that force one must get what they asked for.
        do {
            _ = try KernelSet.requested()
        } catch {
            writeStandardError("filterpipe: \(error)\n")
            exitProcess(2)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                // One line (the usage is a `--help` away), with anything quoted from the command line escaped.
                writeStandardError("filterpipe: " + escapedForMessage(message(for: error)) + " (see --help)\n")
                exitProcess(2)
            }
            exit(withError: error)
        }
    }
}

/// The release this build is (`filterpipe --version`).
let filterpipeVersion = "0.2.0"

/// Ends the process with `status`: libc's `exit`, which `ParsableCommand.exit(withError:)` hides
/// inside a command.
func exitProcess(_ status: Int32) -> Never { exit(status) }

/// Prints one line to standard error.
func printError(_ line: String) {
    writeStandardError(line + "\n")
}

/// Writes `text` to standard error straight away (unbuffered, as progress lines need).
func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let count = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return }
        bytes = bytes.dropFirst(count)
    }
}

/// Loads a filter file and builds its pipeline (`Pipeline(contentsOf:)`, the library's one loader),
/// or prints the one-line error (`FILE:LINE:COLUMN: message`) and exits 2.
func loadPipeline(_ path: String) throws -> Pipeline {
    do throws(FilterPipeError) {
        return try Pipeline(contentsOf: path)
    } catch {
        printError(error.description)
        throw ExitCode(2)
    }
}
