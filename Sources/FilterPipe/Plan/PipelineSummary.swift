// A per-stage summary of a pipeline for one input size, like Keras' model.summary() or torchinfo
// (the CLI renders it as a table, Sources/filterpipe/SummaryTable.swift):
//   conv output  H' = (H + P_top + P_bottom − D·(K−1) − 1) / S + 1 (floor), C' = F (depthwise C·F)
//   weights      Σ_f (matrices_f · K_h,f · K_w,f + 1)          (a broadcast filter stores one matrix)
//   multiply-adds H'·W' · Σ_f C·K_h,f·K_w,f  (depthwise alike: C maps of K_h,f·K_w,f taps; padded taps counted)
// Filters of one bank share a size except under pad=same, where every output is the input size.
// Activations and pools have no weights and no multiply-adds.

/// Output shape, weight count and multiply-adds of every stage of a pipeline for an input size.
public struct PipelineSummary: Sendable, Equatable {
    /// One stage of the table.
    public struct Row: Sendable, Equatable {
        /// 1-based position in the pipeline.
        public var index: Int
        /// The stage keyword: conv, relu, leaky_relu, maxpool, ...
        public var kind: String
        /// Non-default settings, compact: "8 filters 3×3 pad=same reflect".
        public var parameters: String
        public var outputShape: Shape
        /// Stored weights including biases.
        public var weights: Int
        public var multiplyAdds: Int
        /// Where the stage was declared, if the spec came from a file.
        public var line: Int?
    }

    public let input: InputMode
    /// The `input` line's scale, mean and std.
    public let inputScaling: InputScaling
    /// The input tensor's shape: the mode's channels × height × width.
    public let inputShape: Shape
    public let rows: [Row]
    public let output: OutputSpec

    public let totalWeights: Int
    public let totalMultiplyAdds: Int
    /// The final tensor's shape (the input's when there are no stages).
    public var outputShape: Shape { rows.last?.outputShape ?? inputShape }

    /// Follows `spec` through an input of `width`×`height` pixels; throws when a stage's weights do
    /// not fit its input's channels or its output would be empty.
    public init(spec: PipelineSpec, width: Int, height: Int) throws(PipelineError) {
        guard width > 0, height > 0 else {
            throw PipelineError("input size \(width)x\(height) is empty (expected width and height ≥ 1)")
        }
        input = spec.input
        inputScaling = spec.inputScaling
        output = spec.output
        inputShape = Shape(channels: spec.input.channels, height: height, width: width)
        // Every count below is overflow-checked: a size or a filter file can ask for more than 64 bits hold.
        guard width <= Shape.largestSide, height <= Shape.largestSide, inputShape.checkedCount != nil else {
            throw PipelineError(
                "input size \(width)x\(height) is too large (its \(inputShape) values overflow a 64-bit count)")
        }
        // The rules and the shapes are the plan's (the one validator, the one shape walk); the
        // counts are the table's.
        let shapes = try PipelinePlan(spec: spec).shapes(for: inputShape)
        var shape = inputShape
        var rows: [Row] = []
        var totalWeights = 0, totalMultiplyAdds = 0
        for (offset, stage) in spec.stages.enumerated() {
            let index = offset + 1
            let line = offset < spec.stageLocations.count ? spec.stageLocations[offset].line : nil
            let name = "layer \(index) (\(stage.keyword))"
            let next = shapes[offset]
            func overflow(_ what: String) -> PipelineError {
                PipelineError(
                    "\(name): its \(what) for its \(next) output overflow a 64-bit count",
                    at: offset < spec.stageLocations.count ? spec.stageLocations[offset] : nil)
            }
            var weights = 0, multiplyAdds = 0
            if case .conv(let conv) = stage {
                for filter in conv.filters {
                    // C·K_h·K_w taps per output pixel either way: summed over channels, or depthwise C maps.
                    guard let taps = CheckedSize.product(filter.kernelHeight, filter.kernelWidth),
                        let stored = CheckedSize.product(filter.channels.count, taps).flatMap({ CheckedSize.sum(weights, $0, 1) })
                    else { throw overflow("weights") }
                    guard let adds = CheckedSize.product(next.height, next.width, shape.channels, taps),
                        let sum = CheckedSize.sum(multiplyAdds, adds)
                    else { throw overflow("multiply-adds") }
                    weights = stored
                    multiplyAdds = sum
                }
            }
            guard let weightSum = CheckedSize.sum(totalWeights, weights) else { throw overflow("weights") }
            guard let addSum = CheckedSize.sum(totalMultiplyAdds, multiplyAdds) else { throw overflow("multiply-adds") }
            totalWeights = weightSum
            totalMultiplyAdds = addSum
            var parameters = stage.compactParameters
            if offset < spec.stageDetails.count, let weights = spec.stageDetails[offset].weights {
                // The bank's file and the array it held: what was loaded, not only what is run.
                let name = weights.reference.split(separator: "/").last.map(String.init) ?? weights.reference
                parameters += " from \(name) \(WeightArray.text(of: weights.shape))"
            }
            rows.append(
                Row(
                    index: index, kind: stage.keyword, parameters: parameters,
                    outputShape: next, weights: weights, multiplyAdds: multiplyAdds, line: line))
            shape = next
        }
        self.rows = rows
        self.totalWeights = totalWeights
        self.totalMultiplyAdds = totalMultiplyAdds
    }
}
