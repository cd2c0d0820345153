import ArgumentParser
import FilterPipe

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `filterpipe check FILTER [--size WxH]`: parse a filter file and print its per-stage table.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Parse a filter file and print each stage's output shape, weights and multiply-adds.",
        discussion: """
            Exit status: 0 when the file is valid and every stage has a non-empty output for --size; \
            2 when the file has an error, cannot be read, or a stage's output would be empty.
            """
    )

    /// An image size written `WIDTHxHEIGHT`.
    struct ImageSize: ExpressibleByArgument {
        var width: Int
        var height: Int

        init?(argument: String) {
            let parts = argument.split(whereSeparator: { $0 == "x" || $0 == "X" || $0 == "×" })
            guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]), width > 0, height > 0
            else { return nil }
            self.width = width
            self.height = height
        }

        var defaultValueDescription: String { "\(width)x\(height)" }
    }

    @Argument(help: "The .filter file to check.")
    var filter: String

    @Option(help: ArgumentHelp("Input image size, WIDTHxHEIGHT.", valueName: "WxH"))
    var size: ImageSize = ImageSize(argument: "1920x1080")!

    func run() throws {
        // The same loader and validation as apply and show: what check accepts, they accept.
        let pipeline = try loadPipeline(filter)
        let spec = pipeline.spec
        do throws(BatchSetupError) {
            try BatchSafety.checkMapNames(spec: spec, filterName: filter)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        do throws(PipelineError) {
            let summary = try PipelineSummary(spec: spec, width: size.width, height: size.height)
            let workers = Executor().workers
            let peak = try pipeline.peakMemory(
                width: size.width, height: size.height, route: .wholeTensors(keepingEveryStage: false), workers: workers)
            print("\(filter): input \(size.width)x\(size.height)")
            print(summary.renderTable(), terminator: "")
            let at = peak.layer.map { " at \($0.name)" } ?? ""
            print("memory: about \(ByteText.describe(peak.bytes)) of tensors\(at) (\(workers) worker\(workers == 1 ? "" : "s"))")
        } catch {
            // A stage's error names where it was written: FILE:LINE:COLUMN, as the parser's do.
            let at = error.location.map { ":\($0.line):\($0.column)" } ?? ""
            writeStandardError("\(escapedForMessage(filter))\(at): for a \(size.width)x\(size.height) input, \(error)\n")
            throw ExitCode(2)
        }
    }
}
