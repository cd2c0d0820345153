import ArgumentParser
import FilterPipe

/// `filterpipe show FILTER OUT.png`: draws every filter of every bank as a picture.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract:
            "Draw the filters of a filter file (or an ONNX model's first Conv) as enlarged tiles (blue negative, white zero, red positive).",
        discussion:
            "One grid per conv bank; a filter with one matrix per input channel gets one tile per channel. For a model: the first Conv node's weights, or --node's."
    )

    @Argument(help: "The .filter file, or an ONNX model (.onnx).")
    var filter: String

    @Option(
        help: ArgumentHelp(
            "ONNX models: draw this Conv or ConvTranspose node (its output tensor or node name) instead of the first Conv.",
            valueName: "NAME"))
    var node: String?

    @Option(help: ArgumentHelp("ONNX models: import the graph up to the node writing TENSOR.", valueName: "TENSOR"))
    var until: String?

    @Argument(help: "The PNG to write.")
    var output: String

    @Option(name: .customLong("cell"), help: "Pixels per weight (default: chosen from the kernel size).")
    var cellSize: Int?

    func validate() throws {
        if let cellSize, !(1...256).contains(cellSize) { throw ValidationError("--cell must be 1-256, not \(cellSize)") }
    }

    func run() throws {
        let pipeline = try loadPipeline(filter, model: ModelSettings(until: until, given: until == nil ? [] : ["--until"]))
        var spec = pipeline.spec
        if pipeline.plan.isNetwork {
            do throws(PipelineError) {
                spec = PipelineSpec(input: spec.input, stages: [.conv(try pipeline.convWeights(node: node))])
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
        } else if node != nil {
            throw ValidationError("--node names a node of an ONNX model; a filter file draws every bank")
        }
        guard spec.stages.contains(where: { if case .conv = $0 { true } else { false } }) else {
            printError("\(escapedForMessage(filter)): has no conv stage, so no filters to draw")
            throw ExitCode(2)
        }
        do throws(OutputError) {
            try OwnedFile.checkReplaceablePNG(output, protecting: [filter])
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        let picture = FilterDrawing.draw(spec: spec, cellSize: cellSize)
        do throws(ImageIOError) {
            try ImageCodec.writePNG(picture, to: output, options: PNGWriteOptions(compressionLevel: 6, text: [OwnedFile.marker]))
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        print("\(escapedForMessage(output)): \(picture.width)×\(picture.height)")
    }
}
