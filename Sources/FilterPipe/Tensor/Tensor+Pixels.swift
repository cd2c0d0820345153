// value = sample / (2^bitDepth − 1)            (8-bit: /255, 16-bit: /65535)
// gray  = 0.299 R + 0.587 G + 0.114 B           (ITU-R BT.601 luma, on the scaled values)
// bgr   = the rgb planes in the order B, G, R
// then, with an input line's scale/mean/std: value = (value · scale − mean[c]) / std[c]

extension Tensor {
    /// The CHW tensor of `pixels` in `mode`, values scaled to 0...1.
    ///
    /// `rgb`: alpha dropped, gray replicated to three planes. `gray`: colour converted by
    /// BT.601 luma, gray kept as is (alpha dropped). `rgba`: gray replicated, alpha 1 when the
    /// image has none.
    public init(pixels: PixelBuffer, mode: InputMode) {
        self.init(pixels: pixels, mode: mode, executor: Executor(workers: 1))
    }

    /// As `init(pixels:mode:)`, the common 8-bit RGB case split over `executor`'s workers in runs
    /// of pixels (each value is computed alone, so the split changes none of them).
    init(pixels: PixelBuffer, mode: InputMode, executor: Executor) {
        let planeCount = pixels.width * pixels.height
        let shape = Shape(channels: mode.channels, height: pixels.height, width: pixels.width)
        switch pixels.samples {
        case .uint8(let samples) where pixels.channels == 3 && mode == .rgb:
            self.init(
                shape: shape,
                unsafeUninitialized: { output in
                    // Runs of 1 Mi pixels: also spreads the first touch of the tensor's pages.
                    let run = 1 << 20, runs = (planeCount + run - 1) / run
                    let target = SendablePointer(base: output.baseAddress!)
                    samples.withUnsafeBufferPointer { input in
                        let source = SendablePointer(base: UnsafeMutablePointer(mutating: input.baseAddress!))
                        executor.forEach(runs) { index in
                            let start = index * run
                            Self.fillRGB8(
                                target.base, from: UnsafePointer(source.base), planeCount: planeCount,
                                pixels: start..<min(planeCount, start + run))
                        }
                    }
                })
        case .uint8(let samples):
            self.init(
                shape: shape,
                unsafeUninitialized: { output in
                    PixelScale8.values.withUnsafeBufferPointer { table in
                        Self.fill(
                            output, from: samples, sourceChannels: pixels.channels, planeCount: planeCount,
                            mode: mode, scale: { table[Int($0)] })
                    }
                })
        case .uint16(let samples):
            self.init(
                shape: shape,
                unsafeUninitialized: { output in
                    Self.fill(
                        output, from: samples, sourceChannels: pixels.channels, planeCount: planeCount,
                        mode: mode, scale: { Float($0) * (1 / 65535) })
                })
        }
    }

    /// The common case (8-bit RGB photo, RGB tensor) as one loop the compiler vectorises: the same
    /// `Float(s) / 255` as `PixelScale8`'s table, computed instead of looked up (3× faster measured).
    /// Only `pixels` (indices into a plane of `planeCount`), so runs can go to several workers.
    private static func fillRGB8(
        _ red: UnsafeMutablePointer<Float>, from source: UnsafePointer<UInt8>, planeCount: Int, pixels: Range<Int>
    ) {
        let green = red + planeCount, blue = green + planeCount
        for i in pixels {
            red[i] = Float(source[3 * i]) / 255
            green[i] = Float(source[3 * i + 1]) / 255
            blue[i] = Float(source[3 * i + 2]) / 255
        }
    }

    /// Scatters interleaved samples into planes. `scale` maps a sample to 0...1.
    @inline(__always)
    private static func fill<Sample: FixedWidthInteger>(
        _ output: UnsafeMutableBufferPointer<Float>, from samples: [Sample], sourceChannels: Int,
        planeCount: Int, mode: InputMode, scale: (Sample) -> Float
    ) {
        samples.withUnsafeBufferPointer { input in
            let hasColor = sourceChannels >= 3
            let alphaIndex: Int? = sourceChannels == 2 ? 1 : sourceChannels == 4 ? 3 : nil
            switch mode {
            case .gray:
                for i in 0..<planeCount {
                    let pixel = i * sourceChannels
                    if hasColor {
                        output[i] =
                            0.299 * scale(input[pixel]) + 0.587 * scale(input[pixel + 1])
                            + 0.114 * scale(input[pixel + 2])
                    } else {
                        output[i] = scale(input[pixel])
                    }
                }
            case .rgb, .rgba, .bgr:
                let (first, last) = mode == .bgr ? (2 * planeCount, 0) : (0, 2 * planeCount)
                for i in 0..<planeCount {
                    let pixel = i * sourceChannels
                    let red = scale(input[pixel])
                    output[first + i] = red
                    output[planeCount + i] = hasColor ? scale(input[pixel + 1]) : red
                    output[last + i] = hasColor ? scale(input[pixel + 2]) : red
                }
                if mode == .rgba {
                    for i in 0..<planeCount {
                        output[3 * planeCount + i] = alphaIndex.map { scale(input[i * sourceChannels + $0]) } ?? 1
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// The CHW tensor of `pixels` in `mode`, each value then `(pixel · scale − mean[c]) / std[c]`
    /// as `scaling` says (the `input` line's `scale`, `mean`, `std`).
    public init(pixels: PixelBuffer, mode: InputMode, scaling: InputScaling) {
        self.init(pixels: pixels, mode: mode, scaling: scaling, executor: Executor(workers: 1))
    }

    /// As `init(pixels:mode:scaling:)`, converted on `executor`'s workers.
    init(pixels: PixelBuffer, mode: InputMode, scaling: InputScaling, executor: Executor) {
        self.init(pixels: pixels, mode: mode, executor: executor)
        guard !scaling.isIdentity else { return }
        let planeSize = width * height, channelCount = channels
        values.withUnsafeMutableBufferPointer { buffer in
            for c in 0..<channelCount {
                let (factor, offset) = scaling.affine(channel: c)
                for i in c * planeSize..<(c + 1) * planeSize { buffer[i] = buffer[i] * factor + offset }
            }
        }
    }
}

extension Tensor {
    /// Rows `rows` of an 8-bit row-layout image as float planes in `mode`: the same values
    /// `Tensor(pixels:mode:)` gives those rows. Channel c, row y goes to
    /// `band + c · channelStride + (y − firstRow) · width`.
    static func fillBand(
        _ band: UnsafeMutablePointer<Float>, channelStride: Int, firstRow: Int, from image: RowImage,
        rows: Range<Int>, mode: InputMode, scaling: InputScaling = InputScaling()
    ) {
        fillBand(band, channelStride: channelStride, firstRow: firstRow, from: image, rows: rows, mode: mode)
        guard !scaling.isIdentity, !rows.isEmpty else { return }
        for c in 0..<mode.channels {
            let (factor, offset) = scaling.affine(channel: c)
            let plane = band + c * channelStride + (rows.lowerBound - firstRow) * image.width
            for i in 0..<rows.count * image.width { plane[i] = plane[i] * factor + offset }
        }
    }

    private static func fillBand(
        _ band: UnsafeMutablePointer<Float>, channelStride: Int, firstRow: Int, from image: RowImage,
        rows: Range<Int>, mode: InputMode
    ) {
        let width = image.width, sourceChannels = image.channels
        let hasColor = sourceChannels >= 3
        let alphaIndex: Int? = sourceChannels == 2 ? 1 : sourceChannels == 4 ? 3 : nil
        PixelScale8.values.withUnsafeBufferPointer { table in
            for y in rows {
                let input = image.row(y)
                let plane = band + (y - firstRow) * width
                if sourceChannels == 3 && mode == .rgb {
                    let red = plane, green = plane + channelStride, blue = green + channelStride
                    for x in 0..<width {
                        red[x] = Float(input[3 * x]) / 255
                        green[x] = Float(input[3 * x + 1]) / 255
                        blue[x] = Float(input[3 * x + 2]) / 255
                    }
                    continue
                }
                switch mode {
                case .gray:
                    for x in 0..<width {
                        let pixel = x * sourceChannels
                        plane[x] =
                            hasColor
                            ? 0.299 * table[Int(input[pixel])] + 0.587 * table[Int(input[pixel + 1])]
                                + 0.114 * table[Int(input[pixel + 2])]
                            : table[Int(input[pixel])]
                    }
                case .rgb, .rgba, .bgr:
                    let (first, last) = mode == .bgr ? (2 * channelStride, 0) : (0, 2 * channelStride)
                    for x in 0..<width {
                        let pixel = x * sourceChannels
                        let red = table[Int(input[pixel])]
                        plane[first + x] = red
                        plane[channelStride + x] = hasColor ? table[Int(input[pixel + 1])] : red
                        plane[last + x] = hasColor ? table[Int(input[pixel + 2])] : red
                    }
                    if mode == .rgba {
                        for x in 0..<width {
                            plane[3 * channelStride + x] = alphaIndex.map { table[Int(input[x * sourceChannels + $0])] } ?? 1
                        }
                    }
                }
            }
        }
    }
}

/// sample / 255 for every 8-bit sample, computed once.
private enum PixelScale8 {
    static let values: [Float] = (0...255).map { Float($0) / 255 }
}
