// An image's memory while it is processed, estimated from its header before it is decoded:
//   streamed route (one clamped 8-bit image out):
//     max(decode, encode) + bands, decode = rows + file bytes (PNG: twice, the joined IDAT stream)
//       + coefficients (progressive JPEG: 2 bytes × coefficients per pixel × pixels),
//     encode = rows + output rows (unless written in place) + compressed (≤ half the output rows),
//     bands = every level's band, the input window and one step's tiles (MemoryEstimate, .bands)
//   whole-tensor route:
//     max(decoded + file bytes + coefficients, decoded + tensors + rendered), tensors = the input
//       tensor, the step's input and output and its tiles' scratch (every stage's output with
//       --stages; MemoryEstimate, .wholeTensors), rendered = the output samples (.npy: 4 bytes a value);
//       a final tensor made a range of filters at a time (Pipeline.finalFilterGroups) counts one range
// where rows = height × (1 + width × channels). An estimate, not a bound: what a batch budgets with,
// and what admits an image at all (over the budget it fails before anything is allocated for it).
// Every sum and product is overflow-checked: a forged header or a filter file's padding cannot trap.

/// The estimated peak memory of one image of a batch (see the formulas above).
struct ImageFootprint {
    /// Estimated bytes.
    let bytes: Int
    /// The layer whose step needs the most while the stages run, when that phase is the peak
    /// (nil: decoding or encoding needs the most).
    let layer: LayerMemory?
    /// What that step needs by itself (its tensors or bands and tiles), without decoding or rendering.
    var layerBytes = 0
    /// When no layer is the peak: true if writing the output needs the most, false if decoding does.
    var encodingPeaks = false

    /// The footprint of the image `probe` describes; throws naming the layer (or the input) when a
    /// stage's output would be empty or a count overflows 64 bits.
    static func estimate(
        of probe: ImageCodec.Probe, pipeline: Pipeline, options: BatchOptions, route: Route
    ) throws(PipelineError) -> ImageFootprint {
        let width = probe.width, height = probe.height
        let tooLarge = PipelineError("the image's \(width)×\(height) header describes more than \(ByteText.largest)")
        guard width > 0, height > 0 else { throw PipelineError("the image is empty (\(width)×\(height))") }
        // The stages run on the resized image (`--resize`), decoding on the file's own size.
        let resized = options.resize?.size(width: width, height: height) ?? (width: width, height: height)
        let estimate = try pipeline.memoryEstimate(width: resized.width, height: resized.height)
        let output = estimate.outputShape
        let steps = pipeline.steps.map(\.specIndices)
        let fileBytes = probe.format == .png ? CheckedSize.product(2, probe.fileSize) : probe.fileSize
        guard let fileBytes, let pixels = CheckedSize.product(width, height) else { throw tooLarge }
        var coefficients = 0
        if probe.progressive {
            let value = 2 * probe.coefficientsPerPixel * Double(pixels)
            guard value < 0x1p62 else { throw tooLarge }
            coefficients = Int(value)
        }
        if route.memoryRoute(bitDepth: probe.bitDepth) == .bands {
            let inPlace = output.width == width && output.height == height && output.channels == probe.channels
            let bands = try estimate.peak(route: .bands, steps: steps, workers: options.jobs)
            guard let rows = Self.rowBytes(width: width, height: height, channels: probe.channels),
                let outputRows = inPlace
                    ? 0 : Self.rowBytes(width: output.width, height: output.height, channels: output.channels),
                let decode = CheckedSize.sum(rows, fileBytes, coefficients),
                let encode = CheckedSize.sum(rows, outputRows, (inPlace ? rows : outputRows) / 2),
                let total = CheckedSize.sum(max(decode, encode), bands.bytes)
            else { throw tooLarge }
            return ImageFootprint(
                bytes: total, layer: bands.bytes >= max(decode, encode) ? bands.layer : nil, layerBytes: bands.bytes,
                encodingPeaks: encode > decode)
        }
        let bytesPerSample = probe.bitDepth == 16 ? 2 : 1
        // A network's --stages keeps a few channels of some nodes (`Pipeline.runStages`), not every
        // node's output: its peak is the run's, releasing intermediates.
        let memoryRoute: MemoryEstimate.Route =
            pipeline.plan.isNetwork ? .wholeTensors(keepingEveryStage: false) : route.memoryRoute(bitDepth: probe.bitDepth)
        // A large final tensor made and written a range of filters at a time holds one range's maps.
        var outputValues = output.checkedCount ?? Int.max
        var finalOutputBytes: Int?
        if options.writesFinalMapsSeparately,
            let groups = try pipeline.finalFilterGroups(
                for: Shape(channels: pipeline.spec.input.channels, height: resized.height, width: resized.width),
                limit: options.finalTensorLimit),
            let values = CheckedSize.product(groups.map(\.count).max() ?? 0, output.planeCount)
        {
            outputValues = values
            finalOutputBytes = CheckedSize.product(values, MemoryLayout<Float>.size)
        }
        let tensors = try estimate.peak(
            route: memoryRoute, steps: steps, workers: options.jobs, finalOutputBytes: finalOutputBytes)
        let rendered =
            options.format == .npy
            ? CheckedSize.product(outputValues, 4)
            : CheckedSize.product(
                outputValues, options.depth == 16 ? 2 : 1, options.output.kind == .montage || options.montage ? 3 : 1)
        guard let decoded = CheckedSize.product(pixels, probe.channels, bytesPerSample), let rendered,
            let decode = CheckedSize.sum(decoded, fileBytes, coefficients),
            let compute = CheckedSize.sum(decoded, tensors.bytes, rendered)
        else { throw tooLarge }
        return ImageFootprint(
            bytes: max(decode, compute), layer: compute >= decode ? tensors.layer : nil, layerBytes: tensors.bytes)
    }

    /// Estimated bytes for scheduling; 0 when the header could not be read or the estimate failed
    /// (such a file fails fast, before anything is allocated for it).
    static func bytes(of probe: ImageCodec.Probe?, pipeline: Pipeline, options: BatchOptions, route: Route) -> Int {
        guard let probe else { return 0 }
        return (try? estimate(of: probe, pipeline: pipeline, options: options, route: route))?.bytes ?? 0
    }

    /// A row image's bytes: height × (1 + width × channels).
    private static func rowBytes(width: Int, height: Int, channels: Int) -> Int? {
        CheckedSize.product(width, channels).flatMap { CheckedSize.sum($0, 1) }.flatMap { CheckedSize.product($0, height) }
    }

    /// The one-line reason an image over `budget` fails: "layer 2 (conv) needs 384 GiB, more than …".
    /// With decoding and rendering the image needs more than its layer: "… needs 149 GiB (186 GiB in all), …".
    func refusal(budget: Int, source: String) -> String {
        let limit = "more than the memory budget of \(ByteText.describe(budget)) (\(source))"
        guard let layer else {
            return "\(encodingPeaks ? "writing its output image" : "decoding it") needs \(ByteText.describe(bytes)), \(limit)"
        }
        let all = ByteText.describe(bytes), own = ByteText.describe(layerBytes)
        return "\(layer.name) needs \(own)\(all == own ? "" : " (\(all) in all)"), \(limit)"
    }
}
