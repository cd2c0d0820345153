// value = sample / (2^bitDepth − 1)            (8-bit: /255, 16-bit: /65535)
// gray  = 0.299 R + 0.587 G + 0.114 B           (ITU-R BT.601 luma, on the scaled values)

extension Tensor {
    /// The CHW tensor of `pixels` in `mode`, values scaled to 0...1.
    ///
    /// `rgb`: alpha dropped, gray replicated to three planes. `gray`: colour converted by
    /// BT.601 luma, gray kept as is (alpha dropped). `rgba`: gray replicated, alpha 1 when the
    /// image has none.
    public init(pixels: PixelBuffer, mode: InputMode) {
        let planeCount = pixels.width * pixels.height
        let shape = Shape(channels: mode.channels, height: pixels.height, width: pixels.width)
        switch pixels.samples {
        case .uint8(let samples) where pixels.channels == 3 && mode == .rgb:
            self.init(
                shape: shape,
                unsafeUninitialized: { output in
                    Self.fillRGB8(output, from: samples, planeCount: planeCount)
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
    static func fillRGB8(_ output: UnsafeMutableBufferPointer<Float>, from samples: [UInt8], planeCount: Int) {
        samples.withUnsafeBufferPointer { input in
            let source = input.baseAddress!, red = output.baseAddress!
            let green = red + planeCount, blue = green + planeCount
            for i in 0..<planeCount {
                red[i] = Float(source[3 * i]) / 255
                green[i] = Float(source[3 * i + 1]) / 255
                blue[i] = Float(source[3 * i + 2]) / 255
            }
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
            case .rgb, .rgba:
                for i in 0..<planeCount {
                    let pixel = i * sourceChannels
                    let red = scale(input[pixel])
                    output[i] = red
                    output[planeCount + i] = hasColor ? scale(input[pixel + 1]) : red
                    output[2 * planeCount + i] = hasColor ? scale(input[pixel + 2]) : red
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
    /// Rows `rows` of an 8-bit row-layout image as float planes in `mode`: the same values
    /// `Tensor(pixels:mode:)` gives those rows. Channel c, row y goes to
    /// `band + c · channelStride + (y − firstRow) · width`.
    static func fillBand(
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
                case .rgb, .rgba:
                    for x in 0..<width {
                        let pixel = x * sourceChannels
                        let red = table[Int(input[pixel])]
                        plane[x] = red
                        plane[channelStride + x] = hasColor ? table[Int(input[pixel + 1])] : red
                        plane[2 * channelStride + x] = hasColor ? table[Int(input[pixel + 2])] : red
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
