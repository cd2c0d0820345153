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

/// How an ONNX model is loaded and its input filled: what a filter file's `onnx` stage and `input`
/// line say, as options (`apply`, `check`, `show` take a `.onnx` file wherever they take a `.filter`).
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("ONNX models: run the graph up to the node writing TENSOR.", valueName: "TENSOR"))
    var until: String?

    @Option(help: ArgumentHelp("ONNX models: input values are (pixel·S − mean) / std, pixels 0..1 (default 1).", valueName: "S"))
    var scale: Float?

    @Option(help: ArgumentHelp("ONNX models: one mean per input channel, e.g. 0.485,0.456,0.406.", valueName: "a,b,c"))
    var mean: String?

    @Option(help: ArgumentHelp("ONNX models: one std per input channel, e.g. 0.229,0.224,0.225.", valueName: "a,b,c"))
    var std: String?

    @Flag(help: "ONNX models: fill the input in blue, green, red order (networks trained on OpenCV's decoding).")
    var bgr = false

    /// The options that only mean something for a model, as written.
    var given: [String] {
        [
            until.map { _ in "--until" }, scale.map { _ in "--scale" }, mean.map { _ in "--mean" },
            std.map { _ in "--std" }, bgr ? "--bgr" : nil,
        ].compactMap { $0 }
    }

    func validate() throws {
        if let scale, !scale.isFinite { throw ValidationError("--scale must be a finite number") }
        _ = try Self.numbers(mean, "--mean")
        _ = try Self.numbers(std, "--std")
    }

    /// `a,b,c` as numbers.
    static func numbers(_ text: String?, _ flag: String) throws -> [Float] {
        guard let text else { return [] }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == parts.count, values.allSatisfy(\.isFinite) else {
            throw ValidationError("\(flag) must be numbers separated by commas, e.g. 0.5,0.5,0.5; got '\(text)'")
        }
        return values
    }

    /// The settings as `loadPipeline` takes them.
    var settings: ModelSettings {
        ModelSettings(
            until: until, bgr: bgr,
            scaling: InputScaling(
                scale: scale ?? 1, mean: (try? Self.numbers(mean, "--mean")) ?? [],
                std: (try? Self.numbers(std, "--std")) ?? []),
            given: given)
    }
}

/// How to load a model (`ModelOptions`, or `show`'s `--until` alone).
struct ModelSettings {
    var until: String?
    var bgr = false
    var scaling = InputScaling()
    /// The model-only options given, for the error when the file is a filter file.
    var given: [String] = []
}

/// Resizing every image before the pipeline: an exact size, or PaddleOCR's DetResizeForTest rule.
struct ResizeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Resize every image to WIDTHxHEIGHT (bilinear) before the pipeline.", valueName: "WxH"))
    var resize: CheckCommand.ImageSize?

    @Option(
        name: .customLong("max-side"),
        help: ArgumentHelp("Shrink images whose longer side exceeds N to N (kept aspect; bilinear).", valueName: "N"))
    var maxSide: Int?

    @Option(help: ArgumentHelp("Round each side to the nearest multiple of M (at least M), after --max-side.", valueName: "M"))
    var multiple: Int?

    func validate() throws {
        if resize != nil && (maxSide != nil || multiple != nil) {
            throw ValidationError("--resize gives the size; --max-side and --multiple cannot apply with it")
        }
        if let maxSide, maxSide < 1 { throw ValidationError("--max-side must be at least 1, not \(maxSide)") }
        if let multiple, multiple < 1 { throw ValidationError("--multiple must be at least 1, not \(multiple)") }
    }

    var value: InputResize? {
        if let resize { return .size(width: resize.width, height: resize.height) }
        if maxSide != nil || multiple != nil { return .limit(maxSide: maxSide, multiple: multiple ?? 1) }
        return nil
    }
}

/// Whether `path` names an ONNX model: a `.onnx` name, or (any name) a file starting as a serialised
/// ModelProto does, with field 1 (`ir_version`, a varint: byte 0x08), which no text file does.
func isONNXModel(_ path: String) -> Bool {
    if path.lowercased().hasSuffix(".onnx") { return true }
    guard let file = fopen(path, "rb") else { return false }
    defer { fclose(file) }
    return fgetc(file) == 0x08
}

/// Loads a filter file or an ONNX model (`isONNXModel`), or prints the one-line error naming the
/// file and exits 2. Model options given for a filter file are a usage error.
func loadPipeline(_ path: String, model: ModelSettings) throws -> Pipeline {
    guard isONNXModel(path) else {
        if !model.given.isEmpty {
            throw ValidationError(
                "\(model.given.joined(separator: ", ")) \(model.given.count == 1 ? "applies" : "apply") to ONNX models; a filter file says this on its input and onnx lines"
            )
        }
        return try loadPipeline(path)
    }
    do throws(FilterPipeError) {
        return try Pipeline(
            onnx: URL(fileURLWithPath: path), until: model.until, mode: model.bgr ? .bgr : nil, scaling: model.scaling)
    } catch {
        printError(error.description)
        throw ExitCode(2)
    }
}
