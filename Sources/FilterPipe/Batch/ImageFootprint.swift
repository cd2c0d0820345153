// An image's memory while it is processed, estimated from its header before it is decoded:
//   streamed route (one clamped 8-bit image out):
//     max(decode, encode) + bands, decode = rows + file bytes (PNG: twice, the joined IDAT stream)
//       + coefficients (progressive JPEG: 2 bytes × coefficients per pixel × pixels),
//     encode = rows + output rows (unless written in place) + compressed (≤ half the output rows)
//   whole-tensor route:
//     decoded samples + 4 bytes × (input tensor + the largest two consecutive levels, or every level
//       with --stages) + the rendered output samples
// where rows = height × (1 + width × channels). An estimate, not a bound: what a batch budgets with.

/// The estimated peak memory of one image of a batch (see the formulas above).
struct ImageFootprint {
    /// Estimated bytes; 0 when the header could not be read (such a file fails fast or is small).
    static func bytes(of probe: ImageCodec.Probe?, pipeline: Pipeline, options: BatchOptions, streams: Bool) -> Int {
        guard let probe else { return 0 }
        let width = probe.width, height = probe.height
        let input = Shape(channels: pipeline.spec.input.channels, height: height, width: width)
        guard let levels = try? pipeline.shapes(for: input), width > 0, height > 0 else { return 0 }
        let output = levels.last ?? input
        let bytesPerSample = probe.bitDepth == 16 ? 2 : 1
        let fileBytes = probe.format == .png ? 2 * probe.fileSize : probe.fileSize
        let coefficients = probe.progressive ? Int(2 * probe.coefficientsPerPixel * Double(width * height)) : 0
        if streams && probe.bitDepth == 8 {
            let rows = height * (1 + width * probe.channels)
            let inPlace = output.width == width && output.height == height && output.channels == probe.channels
            let outputRows = inPlace ? 0 : output.height * (1 + output.width * output.channels)
            let compressed = (inPlace ? rows : outputRows) / 2
            let bands = 4 * (input.channels + output.channels) * width * 64
            return max(rows + fileBytes + coefficients, rows + outputRows + compressed) + bands
        }
        let decoded = width * height * probe.channels * bytesPerSample
        let shapes = [input] + levels
        let tensors =
            options.stages
            ? shapes.map(\.count).reduce(0, +)
            : input.count + zip(shapes, shapes.dropFirst()).map { $0.count + $1.count }.max()!
        let rendered = output.count * (options.depth == 16 ? 2 : 1) * (options.output.kind == .montage ? 3 : 1)
        return max(decoded + fileBytes + coefficients, decoded + 4 * tensors + rendered)
    }
}
