import ArgumentParser
import FilterPipe

/// `filterpipe show FILTER OUT.png`: draws every filter of every bank as a picture.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Draw the filters of a filter file as enlarged tiles (blue negative, white zero, red positive).",
        discussion: "One grid per conv bank; a filter with one matrix per input channel gets one tile per channel."
    )

    @Argument(help: "The .filter file.")
    var filter: String

    @Argument(help: "The PNG to write.")
    var output: String

    @Option(name: .customLong("cell"), help: "Pixels per weight (default: chosen from the kernel size).")
    var cellSize: Int?

    func validate() throws {
        if let cellSize, !(1...256).contains(cellSize) { throw ValidationError("--cell must be 1-256, not \(cellSize)") }
    }

    func run() throws {
        let pipeline = try loadPipeline(filter)
        guard pipeline.spec.stages.contains(where: { if case .conv = $0 { true } else { false } }) else {
            printError("\(escapedForMessage(filter)): has no conv stage, so no filters to draw")
            throw ExitCode(2)
        }
        do throws(OutputError) {
            try OwnedFile.checkReplaceablePNG(output, protecting: [filter])
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        let picture = FilterDrawing.draw(spec: pipeline.spec, cellSize: cellSize)
        do throws(ImageIOError) {
            try ImageCodec.writePNG(picture, to: output, options: PNGWriteOptions(compressionLevel: 6, text: [OwnedFile.marker]))
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        print("\(escapedForMessage(output)): \(picture.width)×\(picture.height)")
    }
}
