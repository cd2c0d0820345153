// Streaming execution: the final output is made in bands of rows, top to bottom. For an output band
// [y0, y1) of the last step, every earlier level's rows follow from the stages' `inputRows`:
//   rows[K] = y0..<y1,   rows[k − 1] = step[k].inputRows(rows[k])   (level 0: the image itself)
// Each band's rows of the intermediate levels are computed afresh (a halo is computed twice, by the
// band above and the band below: Halide's "compute at band"); the image's rows are converted to
// floats once, into a window that slides down the image. Memory: a few bands, not whole tensors.

/// A pipeline run band by band over an 8-bit image, from its rows to an output image's rows,
/// with memory proportional to a band of rows instead of to the image.
///
/// What each value is stays the stages' business (the same `compute` as the whole-tensor route,
/// so the results are identical); this type only decides which rows are computed when.
struct BandedPipelineRun {
    let pipeline: Pipeline
    let mode: InputMode
    /// Shape of level k: 0 the image as a tensor, k the output of step k.
    let levelShapes: [Shape]
    /// For every band, the rows of every level it needs (last: the band of output rows).
    let bands: [[Range<Int>]]
    /// For every band, the image rows held as floats (the rows it needs, and any below them that
    /// an earlier band already converted).
    let windows: [Range<Int>]
    /// The most rows any band needs of each level.
    let capacities: [Int]
    /// Whether every output band's rows have been converted from the image before they are
    /// written: then the output may overwrite the image it is computed from.
    let canWriteInPlace: Bool

    /// Plans the bands for an image of `width` × `height`; nil when the pipeline does not stream:
    /// some band needs image rows above where the band before it started (circular padding wraps
    /// the first band round to the last rows; reflect padding wider than a band reaches back up).
    init?(pipeline: Pipeline, mode: InputMode, width: Int, height: Int, outputRowsPerBand: Int? = nil) throws(PipelineError) {
        let inputShape = Shape(channels: mode.channels, height: height, width: width)
        let stageShapes = try pipeline.shapes(for: inputShape)
        let levelShapes = [inputShape] + pipeline.steps.map { stageShapes[$0.specIndices.upperBound - 1] }
        let output = levelShapes.last!
        // About 1 MiB of output floats per band: cache-sized, and a few rows of halo next to many.
        let rowsPerBand = max(1, outputRowsPerBand ?? MemoryEstimate.outputRowsPerBand(for: output))
        var bands: [[Range<Int>]] = []
        var first = 0
        while first < output.height {
            var rows = [first..<min(output.height, first + rowsPerBand)]
            for k in stride(from: pipeline.steps.count, to: 0, by: -1) {
                rows.insert(pipeline.steps[k - 1].stage.inputRows(for: rows[0], input: levelShapes[k - 1]), at: 0)
            }
            bands.append(rows)
            first += rowsPerBand
        }
        // The window of image rows slides down: it ends at the furthest row any band so far has
        // needed, and starts where this band's rows start, which must never move up (with a pad
        // mode that wraps around, the first band reads the image's last rows).
        var windows: [Range<Int>] = []
        var end = 0
        for rows in bands {
            end = max(end, rows[0].upperBound)
            let start = min(rows[0].lowerBound, end)
            if let above = windows.last, start < above.lowerBound { return nil }
            windows.append(start..<end)
        }
        self.pipeline = pipeline
        self.mode = mode
        self.levelShapes = levelShapes
        self.bands = bands
        self.windows = windows
        capacities =
            [windows.map(\.count).max() ?? 0]
            + levelShapes.indices.dropFirst().map { level in bands.map { $0[level].count }.max() ?? 0 }
        canWriteInPlace =
            output.width == width && output.height == height
            && zip(bands, windows).allSatisfy { $0.last!.upperBound <= $1.upperBound }
    }

    /// The output's shape.
    var outputShape: Shape { levelShapes.last! }

    /// Runs every band over `source`'s rows, top to bottom, and hands each band of output rows to
    /// `emit(values, channelStride, rows)`: channel c, row y is at `values + c · channelStride +
    /// (y − rows.lowerBound) · width`, valid during the call. `emit` may overwrite rows of `source`
    /// up to `rows.upperBound` when `canWriteInPlace` (they are never read again).
    func run(
        source: RowImage, executor: Executor, emit: (UnsafePointer<Float>, Int, Range<Int>) -> Void
    ) {
        let buffers = levelShapes.indices.map { level in
            UnsafeMutablePointer<Float>.allocate(
                capacity: max(1, levelShapes[level].channels * capacities[level] * levelShapes[level].width))
        }
        defer { buffers.forEach { $0.deallocate() } }
        let inputShape = levelShapes[0]
        let windowStride = capacities[0] * inputShape.width
        var window = 0..<0
        for (rows, needed) in zip(bands, windows) {
            // Slide the window: keep the rows it shares with this band's, convert the new ones.
            let kept = needed.lowerBound..<max(needed.lowerBound, window.upperBound)
            if !kept.isEmpty && kept.lowerBound > window.lowerBound {
                for c in 0..<inputShape.channels {
                    let plane = buffers[0] + c * windowStride
                    plane.update(
                        from: plane + (kept.lowerBound - window.lowerBound) * inputShape.width,
                        count: kept.count * inputShape.width)
                }
            }
            Tensor.fillBand(
                buffers[0], channelStride: windowStride, firstRow: needed.lowerBound, from: source,
                rows: kept.upperBound..<needed.upperBound, mode: mode, scaling: pipeline.spec.inputScaling)
            window = needed

            for (index, step) in pipeline.steps.enumerated() {
                let level = index + 1
                let inputShape = levelShapes[level - 1], outputShape = levelShapes[level]
                let inputRows = level == 1 ? window : rows[level - 1], outputRows = rows[level]
                let inputStride = capacities[level - 1] * inputShape.width
                let outputStride = capacities[level] * outputShape.width
                let stage = step.stage
                // A band is short, so its rows are split over the workers too: tile boundaries then
                // depend on `workers`, values do not (each value's arithmetic is the tile's own).
                let rowBand = max(
                    1,
                    min(
                        stage.rowBand(input: inputShape, output: outputShape),
                        (outputRows.count + executor.workers - 1) / executor.workers))
                executor.fillBand(
                    output: buffers[level], input: buffers[level - 1], channels: outputShape.channels,
                    rows: outputRows, channelBlock: stage.channelBlock, rowBand: rowBand
                ) { channels, tileRows, output, input in
                    stage.compute(
                        input: FeatureBand(
                            base: input, firstChannel: 0, firstRow: inputRows.lowerBound, width: inputShape.width,
                            channelStride: inputStride),
                        inputShape: inputShape,
                        output: MutableFeatureBand(
                            base: output, firstChannel: 0, firstRow: outputRows.lowerBound, width: outputShape.width,
                            channelStride: outputStride),
                        outputShape: outputShape, channels: channels, rows: tileRows)
                }
            }

            let last = levelShapes.count - 1
            emit(buffers[last], capacities[last] * levelShapes[last].width, rows[last])
        }
    }
}
