// A pipeline: the description's stages, validated and planned, run one step at a time; each step's
// output tensor is split into tiles (channel blocks × row bands) that the executor spreads over cores.

/// A filter pipeline ready to run: the parsed description turned into stages.
public struct Pipeline: Sendable {
    /// What the filter file said (a model's: its input mode and scaling, and the output settings).
    public internal(set) var spec: PipelineSpec
    /// One planned stage per spec stage.
    let stages: [any Stage]
    /// Stages as run by `run`: conv → activations → pool chains fused into one step.
    let steps: [(stage: any Stage, specIndices: Range<Int>)]

    /// The validated graph the stages were planned from.
    public let plan: PipelinePlan
    /// How a network plan runs when no node's value is observed (nil for a filter file's plan).
    let networkSchedule: NetworkSchedule?

    /// Validates `spec` (`PipelinePlan`: kernel shapes, channel counts) and prepares its stages.
    public init(spec: PipelineSpec) throws(PipelineError) {
        try self.init(spec: spec, kernels: .active)
    }

    /// As `init(spec:)`, with the convolutions run by `kernels` (one `KernelSet.supported` lists).
    init(spec: PipelineSpec, kernels: KernelSet) throws(PipelineError) {
        self.spec = spec
        plan = try PipelinePlan(spec: spec)
        var stages: [any Stage] = []
        for node in plan.nodes.dropFirst() {
            let input = plan.nodes[node.inputs[0]]
            switch node.operation {
            case .input: preconditionFailure("the input is node 0 only")
            case .conv(let conv, _, _): stages.append(Conv2D(spec: conv, inputChannels: input.channels, kernels: kernels))
            case .activation(let activation): stages.append(ActivationStage(activation: activation))
            case .pool(let pool): stages.append(Pool2D(spec: pool))
            case .graphInput, .constant, .network: preconditionFailure("a filter-format plan has no graph nodes")
            }
        }
        self.stages = stages
        steps = Self.fuse(stages)
        networkSchedule = nil
    }

    /// A network plan: no filter-format stages, the graph runs through `GraphRun`; images fill its
    /// input as `spec.input` and `scaling` say.
    init(networkPlan: PipelinePlan, scaling: InputScaling) {
        var spec = networkPlan.spec
        spec.inputScaling = scaling
        self.spec = spec
        plan = networkPlan
        stages = []
        steps = []
        networkSchedule = NetworkSchedule(plan: networkPlan)
    }

    /// Groups each conv with the activations and the pool that directly follow it.
    private static func fuse(_ stages: [any Stage]) -> [(stage: any Stage, specIndices: Range<Int>)] {
        var steps: [(stage: any Stage, specIndices: Range<Int>)] = []
        var index = 0
        while index < stages.count {
            guard let conv = stages[index] as? Conv2D else {
                steps.append((stages[index], index..<index + 1))
                index += 1
                continue
            }
            var end = index + 1
            var activations: [ActivationStage] = []
            while end < stages.count, let activation = stages[end] as? ActivationStage {
                activations.append(activation)
                end += 1
            }
            var pool: Pool2D?
            if end < stages.count, let next = stages[end] as? Pool2D {
                pool = next
                end += 1
            }
            if activations.isEmpty && pool == nil {
                steps.append((conv, index..<end))
            } else {
                steps.append((FusedConvStage(conv: conv, activations: activations, pool: pool), index..<end))
            }
            index = end
        }
        return steps
    }

    /// The shape after each stage for an input of `input`; throws naming the first empty layer.
    func shapes(for input: Shape) throws(PipelineError) -> [Shape] {
        guard input.channels == spec.input.channels else {
            throw PipelineError("the pipeline expects \(spec.input.channels) input channels, got \(input.channels)")
        }
        // The checked estimate: a shape or byte count that overflows is an error here, not a trap
        // in an allocation later.
        return try MemoryEstimate(plan: plan, input: input).layers.map(\.outputShape)
    }

    /// Every stage's shapes and bytes for a `width`×`height` image (see `MemoryEstimate`).
    public func memoryEstimate(width: Int, height: Int) throws(PipelineError) -> MemoryEstimate {
        let input = Shape(channels: spec.input.channels, height: height, width: width)
        // A size a network cannot take fails naming the node and a size that fits.
        if plan.isNetwork { try checkInput(input) }
        return try MemoryEstimate(plan: plan, input: input)
    }

    /// The most bytes one image of `width`×`height` needs at once while its stages run on `route` with
    /// `workers` tiles in flight, and the layer that needs them; throws when they overflow 64 bits.
    public func peakMemory(
        width: Int, height: Int, route: MemoryEstimate.Route, workers: Int
    ) throws(PipelineError) -> (layer: LayerMemory?, bytes: Int) {
        try memoryEstimate(width: width, height: height).peak(route: route, steps: steps.map(\.specIndices), workers: workers)
    }

    /// The machine's memory, read once (`SystemMemory`).
    static let physicalMemory = SystemMemory.physical()

    /// Throws, before anything is allocated, when running on `input` would need more than the
    /// physical memory: an allocation that large would end the process instead of failing.
    /// (`BatchRunner` admits each image against a smaller budget before decoding it.)
    private func checkFitsInMemory(_ input: Shape, keepingEveryStage: Bool, workers: Int) throws(PipelineError) {
        guard let physical = Self.physicalMemory else { return }
        let peak = try MemoryEstimate(plan: plan, input: input).peak(
            route: .wholeTensors(keepingEveryStage: keepingEveryStage), steps: steps.map(\.specIndices), workers: workers)
        if peak.bytes > physical {
            throw PipelineError(
                "\(peak.layer?.name ?? "the input") needs \(ByteText.describe(peak.bytes)), more than the physical memory (\(ByteText.describe(physical)))"
            )
        }
    }

    /// The final tensor's shape for an input of `input`; throws if some layer's output would be empty.
    public func outputShape(for input: Shape) throws(PipelineError) -> Shape {
        if plan.isNetwork { return try Shape(graphDims: plan.graphDims(image: input)[plan.output]) }
        return try shapes(for: input).last ?? input
    }

    /// Names of the final maps, one per output channel (filter names; input channel names if no conv).
    ///
    /// Without a conv: `gray`, `r g b` or `r g b a` by channel count (else `c0`, `c1`, ...);
    /// after a depthwise conv: `c{channel}-{filter}` in map order.
    public func mapNames(inputChannels: Int) -> [String] {
        spec.finalMapNames(inputChannels: inputChannels)
    }

    /// Runs every stage on `input` and returns the final tensor.
    public func run(_ input: Tensor, executor: Executor = Executor()) throws(PipelineError) -> Tensor {
        if plan.isNetwork { return try runNetwork(input, executor: executor) }
        let shapes = try shapes(for: input.shape)
        try checkFitsInMemory(input.shape, keepingEveryStage: false, workers: executor.workers)
        var current = input
        for step in steps {
            current = step.stage.run(current, outputShape: shapes[step.specIndices.upperBound - 1], executor: executor)
        }
        return current
    }

    /// Runs every stage and returns the output of each (index i: after stage i), for `--stages`.
    public func runAllStages(_ input: Tensor, executor: Executor = Executor()) throws(PipelineError) -> [Tensor] {
        if plan.isNetwork { return try runNetworkKeepingNodes(input, executor: executor) }
        let shapes = try shapes(for: input.shape)
        try checkFitsInMemory(input.shape, keepingEveryStage: true, workers: executor.workers)
        var outputs: [Tensor] = []
        var current = input
        for (index, stage) in stages.enumerated() {
            current = stage.run(current, outputShape: shapes[index], executor: executor)
            outputs.append(current)
        }
        return outputs
    }
}
