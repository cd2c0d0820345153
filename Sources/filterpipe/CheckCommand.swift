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
        abstract:
            "Parse a filter file (or load an ONNX model) and print each stage's (node's) output shape, weights and multiply-adds.",
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

    @Argument(help: "The .filter file to check, or an ONNX model (.onnx).")
    var filter: String

    @Option(
        help: ArgumentHelp(
            "Input image size, WIDTHxHEIGHT (default 1920x1080; a model: its declared size, else 640x640).",
            valueName: "WxH"))
    var size: ImageSize?

    @OptionGroup(title: "ONNX models")
    var model: ModelOptions

    @OptionGroup(title: "Resizing (applied to --size, as apply applies it to each image)")
    var resizing: ResizeOptions

    func run() throws {
        // The same loader and validation as apply and show: what check accepts, they accept.
        let pipeline = try loadPipeline(filter, model: model.settings)
        if pipeline.plan.isNetwork { return try checkNetwork(pipeline) }
        let size = resized(self.size ?? ImageSize(argument: "1920x1080")!)
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

    /// `size` after --resize, --max-side, --multiple.
    func resized(_ size: ImageSize) -> ImageSize {
        guard let resize = resizing.value else { return size }
        let (width, height) = resize.size(width: size.width, height: size.height)
        return ImageSize(argument: "\(width)x\(height)")!
    }

    /// A model's table: every node for one image size, the totals and the memory estimate.
    func checkNetwork(_ pipeline: Pipeline) throws {
        var given = size
        var origin = ""
        if given == nil {
            if case .graphInput(_, let declared) = pipeline.plan.nodes[0].operation, declared.count == 4,
                let height = declared[2], let width = declared[3]
            {
                given = ImageSize(argument: "\(width)x\(height)")
                origin = " (the model's declared size)"
            } else {
                given = ImageSize(argument: "640x640")
                origin = " (default: the model leaves its size open; --size WxH for another)"
            }
        }
        let original = given!
        let size = resized(original)
        if let resize = resizing.value {
            origin += ", resized from \(original.width)x\(original.height) (\(resize.description))"
        }
        let image = Shape(channels: pipeline.spec.input.channels, height: size.height, width: size.width)
        do throws(PipelineError) {
            try pipeline.checkInput(image)
            let summary = try NetworkSummary(plan: pipeline.plan, image: image)
            let workers = Executor().workers
            let peak = try pipeline.peakMemory(
                width: size.width, height: size.height, route: .wholeTensors(keepingEveryStage: false), workers: workers)
            print("\(filter): input \(size.width)x\(size.height)\(origin)")
            print(summary.renderTable(input: pipeline.spec), terminator: "")
            let at = peak.layer.map { " at node \($0.index) (\($0.kind))" } ?? ""
            print("memory: about \(ByteText.describe(peak.bytes)) of tensors\(at) (each released after its last reader)")
        } catch {
            writeStandardError("\(escapedForMessage(filter)): \(error.message)\n")
            throw ExitCode(2)
        }
    }
}
