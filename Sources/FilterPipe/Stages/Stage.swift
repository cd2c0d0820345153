// A stage declares what each output value is and computes any region of its output
// (a range of output channels × a band of output rows); the executor decides the regions.

/// One step of a pipeline that can compute a tile of its output from its input.
protocol Stage: Sendable {
    /// The output shape for `input`, or nil if it would be empty.
    func outputShape(for input: Shape) -> Shape?

    /// The input rows (within `0..<input.height`) that output rows `rows` read.
    func inputRows(for rows: Range<Int>, input: Shape) -> Range<Int>

    /// Writes output `channels` × `rows` into `output`. `input` holds at least the rows
    /// `inputRows(for: rows, input:)` of every channel the tile reads.
    func compute(
        input: FeatureBand, inputShape: Shape, output: MutableFeatureBand, outputShape: Shape,
        channels: Range<Int>, rows: Range<Int>)

    /// Channels per tile (a multiple of the stage's register blocking).
    var channelBlock: Int { get }

    /// Rough multiply-adds per output value, to size tiles.
    func workPerOutputValue(input: Shape) -> Int
}

extension Stage {
    /// Rows per tile so a tile is about 16 M multiply-adds (enough to amortise padding and setup, small
    /// enough for a 4 MP image to give dozens of tiles) and the input rows it reads stay within
    /// 512 KiB (L2 is 1 MiB). Depends on shapes only, never on workers — though results would not
    /// change with other tiles either.
    func rowBand(input: Shape, output: Shape) -> Int {
        MemoryEstimate.tileRows(
            channelBlock: channelBlock, workPerOutputValue: workPerOutputValue(input: input), input: input, output: output)
    }

    /// Runs the stage on a whole tensor, tiles spread over `executor`'s workers.
    func run(_ input: Tensor, outputShape: Shape, executor: Executor) -> Tensor {
        let band = rowBand(input: input.shape, output: outputShape)
        return executor.fillTiles(shape: outputShape, channelBlock: channelBlock, rowBand: band) {
            channels, rows, output in
            input.values.withUnsafeBufferPointer { source in
                let inputBand = FeatureBand(
                    base: source.baseAddress!, firstChannel: 0, firstRow: 0,
                    width: input.width, channelStride: input.shape.planeCount)
                compute(
                    input: inputBand, inputShape: input.shape,
                    output: MutableFeatureBand(wholeTensor: output, shape: outputShape),
                    outputShape: outputShape, channels: channels, rows: rows)
            }
        }
    }
}
