// The final maps a few filters at a time. When a pipeline ends in a dense conv bank (with its
// activations and pool), each final map depends on its own filter alone, so the last step can run
// for a range of filters, those maps be written and released, and the next range run: what is
// alive is the last step's input and one range's maps, not the whole output (a 75 MP photo
// through 32 filters: 0.3 GB instead of 2.4 GB). The maps are the same values either way.

extension Pipeline {
    /// The filter ranges to compute the final maps in for an input of `input` when the final tensor
    /// would take more than `limit` bytes: each range's maps at most a quarter of `limit` (but never
    /// fewer filters than one register block). Nil when it fits or the last step is not a dense conv bank.
    func finalFilterGroups(for input: Shape, limit: Int) throws(PipelineError) -> [Range<Int>]? {
        guard !plan.isNetwork, let last = steps.last, let conv = Self.conv(of: last.stage),
            conv.spec.group == 1, !conv.spec.depthwise
        else { return nil }
        let output = try outputShape(for: input)
        guard let mapBytes = CheckedSize.product(output.planeCount, MemoryLayout<Float>.size),
            let total = CheckedSize.product(mapBytes, output.channels), total > limit
        else { return nil }
        let block = ConvGroup.blockSize
        let perGroup = max(block, limit / 4 / max(mapBytes, 1) / block * block)
        guard perGroup < output.channels else { return nil }
        return stride(from: 0, to: output.channels, by: perGroup).map { $0..<min($0 + perGroup, output.channels) }
    }

    /// Runs every step but the last on `input`: what `finalMaps(_:filters:executor:)` reads.
    func runToFinalStep(_ input: Tensor, executor: Executor = Executor()) throws(PipelineError) -> Tensor {
        let shapes = try shapes(for: input.shape)
        var current = input
        for step in steps.dropLast() {
            current = step.stage.run(current, outputShape: shapes[step.specIndices.upperBound - 1], executor: executor)
        }
        return current
    }

    /// The final maps of `filters` alone (a range `finalFilterGroups` gave), from the last step's
    /// input (`runToFinalStep`): channels `filters` of what `run` returns.
    func finalMaps(_ input: Tensor, filters: Range<Int>, executor: Executor = Executor()) -> Tensor {
        guard let last = steps.last, let conv = Self.conv(of: last.stage) else {
            preconditionFailure("finalMaps needs a pipeline that ends in a conv bank (finalFilterGroups)")
        }
        var spec = conv.spec
        spec.filters = Array(spec.filters[filters])
        let part = Conv2D(spec: spec, inputChannels: conv.inputChannels, kernels: conv.kernels)
        let stage: any Stage
        if let fused = last.stage as? FusedConvStage {
            stage = FusedConvStage(conv: part, activations: fused.activations, pool: fused.pool)
        } else {
            stage = part
        }
        let shape = stage.outputShape(for: input.shape)!
        return stage.run(input, outputShape: shape, executor: executor)
    }

    private static func conv(of stage: any Stage) -> Conv2D? {
        (stage as? Conv2D) ?? (stage as? FusedConvStage)?.conv
    }
}
