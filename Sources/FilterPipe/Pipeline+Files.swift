#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Pipeline {
    /// Loads, parses and validates the filter file at `path`.
    ///
    /// ```swift
    /// let pipeline = try Pipeline(contentsOf: "samples/filters/edge.filter")
    /// let maps = try pipeline.run(imageAt: "samples/images/chelsea.png")   // CHW Tensor
    /// ```
    public init(contentsOf path: String) throws(FilterPipeError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .filterFile(
                FilterFileError(
                    file: path, location: SourceLocation(line: 0, column: 0),
                    message: "cannot read filter file: \(describeFileError(error))"))
        }
        try self.init(text: text, fileName: path)
    }

    /// Parses and validates filter-file `text`; errors name `fileName`, and weight files
    /// (`conv weights=`) are read relative to its folder (the current folder when it names none).
    public init(text: String, fileName: String = "<filter>") throws(FilterPipeError) {
        let spec: PipelineSpec
        do throws(FilterFileError) {
            spec = try FilterFileParser.parse(text, fileName: fileName)
        } catch {
            throw .filterFile(error)
        }
        if let network = spec.network {
            try self.init(network: network, spec: spec, fileName: fileName)
            return
        }
        do throws(PipelineError) {
            try self.init(spec: spec)
        } catch {
            throw .pipeline(error.located(in: fileName))
        }
    }

    /// A filter file's `onnx` stage: the model with the file's input line and output line. Errors are
    /// the filter file's, at the model's name (or `until`'s value): `F.filter:2:6: det.onnx: reason`.
    private init(network: NetworkReference, spec: PipelineSpec, fileName: String) throws(FilterPipeError) {
        do throws(FilterPipeError) {
            try self.init(
                onnx: URL(fileURLWithPath: network.path), until: network.until,
                mode: network.inputGiven ? spec.input : nil, scaling: spec.inputScaling)
        } catch {
            let message: String
            switch error {
            case .pipeline(let e): message = e.message
            default: message = error.description
            }
            let atUntil = message.hasPrefix("until=") ? network.untilLocation : nil
            let onInput = message.contains(" but input ") || message.contains("std must") || message.contains("channels; input")
            throw .filterFile(
                FilterFileError(
                    file: fileName,
                    location: atUntil ?? (onInput ? spec.inputDetails.options["mean"] : nil) ?? network.fileLocation,
                    message: "\(network.reference): \(message)"))
        }
        self.spec.output = spec.output
        self.spec.network = network
    }

    /// `pixels` as this pipeline's input tensor: the `input` line's mode, then its scale, mean and std.
    public func inputTensor(_ pixels: PixelBuffer) -> Tensor {
        Tensor(pixels: pixels, mode: spec.input, scaling: spec.inputScaling)
    }

    /// Decodes the PNG or JPEG at `path` into a tensor (as the pipeline's `input` line says) and
    /// runs every stage on it.
    public func run(
        imageAt path: String, limits: DecodeLimits = DecodeLimits(),
        executor: Executor = Executor()
    ) throws(FilterPipeError) -> Tensor {
        let pixels: PixelBuffer
        do throws(ImageIOError) {
            pixels = try ImageCodec.decode(fileAt: path, limits: limits)
        } catch {
            throw .image(error)
        }
        do throws(PipelineError) {
            return try run(inputTensor(pixels), executor: executor)
        } catch {
            throw .pipeline(PipelineError("\(path): \(error.message)"))
        }
    }
}
