// A Pipeline over a network plan (an ONNX model): the image is the graph's first input, 1×C×H×W,
// made as a filter file's `input` line says (mode, then `InputScaling`); the graph runs on whole
// tensors (GraphRun) and the first output, 1×C×H×W, is the result as a C×H×W tensor.

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Pipeline {
    /// The ONNX model at `onnx`, run up to the tensor `until` (nil: to the graph's output), its first
    /// input filled from images as a filter file's `input` line would: `mode` (nil: gray, rgb or rgba
    /// by the model's declared channels; `.bgr` reverses the channel order), then
    /// `(pixel·scale − mean[c]) / std[c]` on 0…1 pixels (`scaling`).
    ///
    /// ```swift
    /// let detector = try Pipeline(onnx: URL(fileURLWithPath: "det.onnx"), until: "sigmoid_0.tmp_0",
    ///     scaling: InputScaling(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]))
    /// let map = try detector.run(imageAt: "photo.jpg")   // 1×H×W Tensor
    /// ```
    public init(
        onnx: URL, until: String? = nil, mode: InputMode? = nil, scaling: InputScaling = InputScaling()
    ) throws(FilterPipeError) {
        // Messages name the model as it was given (a relative path stays relative).
        let path = onnx.baseURL == nil ? onnx.path : onnx.relativePath
        do throws(PipelineError) {
            let description = try ONNXModel.load(path: path, until: until)
            // An image input is N×C×H×W; a model with another first input runs on graph tensors
            // (`runGraph`), and an image fails when it is run (graphDims names the input).
            let first = description.inputs.first?.dims ?? []
            let declared = first.count == 4 ? first[1] : nil
            let given = mode
            let mode = mode ?? (declared == 1 ? .gray : declared == 4 ? .rgba : .rgb)
            if given != nil, let declared, declared != mode.channels {
                throw PipelineError(
                    "the model's input '\(description.inputs[0].name)' has \(declared) channels; input \(mode.rawValue) gives \(mode.channels)",
                    file: path)
            }
            if declared == nil || declared == mode.channels, let problem = scaling.problem(mode: mode) {
                throw PipelineError(problem, file: path)
            }
            let plan = try PipelinePlan(network: description, input: mode)
            self.init(networkPlan: plan, scaling: scaling)
        } catch {
            throw .pipeline(error)
        }
    }

    /// Runs the network on graph inputs `inputs` (in the model's order; any ranks the model allows)
    /// and returns its outputs. `observe` sees every node's output as it is made.
    public func runGraph(
        _ inputs: [GraphTensor], executor: Executor = Executor(),
        observe: ((PipelinePlan.Node, GraphTensor) -> Void)? = nil
    ) throws(PipelineError) -> [GraphTensor] {
        try runGraph(inputs, executor: executor, keepingEveryNode: observe != nil, observed: nil, observe: observe)
    }

    /// `observed`: the nodes `observe` needs (nil: every node, each run as it is).
    private func runGraph(
        _ inputs: [GraphTensor], executor: Executor, keepingEveryNode: Bool, observed: Set<PipelinePlan.NodeID>?,
        observe: ((PipelinePlan.Node, GraphTensor) -> Void)?
    ) throws(PipelineError) -> [GraphTensor] {
        precondition(plan.isNetwork, "runGraph runs network plans; a filter file's runs with run(_:)")
        let dims = try plan.graphDims(inputs: inputs.map(\.dims))
        let peak = try MemoryEstimate.graphPeak(plan: plan, dims: dims, keepingEveryStage: keepingEveryNode)
        if let physical = Self.physicalMemory, peak.bytes > physical {
            throw plan.failure(
                plan.nodes[peak.node],
                "needs \(ByteText.describe(peak.bytes)), more than the physical memory (\(ByteText.describe(physical)))")
        }
        // An observer sees only the nodes it asks for: the rest may be fused away.
        let schedule =
            observe == nil
            ? networkSchedule ?? NetworkSchedule(plan: plan)
            : NetworkSchedule(plan: plan, kept: observed ?? [], fuse: observed != nil)
        return try GraphRun(plan: plan, schedule: schedule, executor: executor).run(inputs, observe: observe)
    }

    /// The image tensor (as `inputTensor` makes it) through the network: its first output as C×H×W
    /// (`Shape(graphDims:)`).
    func runNetwork(_ input: Tensor, executor: Executor) throws(PipelineError) -> Tensor {
        try checkInput(input.shape)
        return Tensor(try runGraph([GraphTensor(input)], executor: executor)[0])
    }

    /// Every network node's output for `input` (`runAllStages`), in plan order.
    func runNetworkKeepingNodes(_ input: Tensor, executor: Executor) throws(PipelineError) -> [Tensor] {
        try checkInput(input.shape)
        var kept: [Tensor] = []
        _ = try runGraph([GraphTensor(input)], executor: executor) { _, value in kept.append(Tensor(value)) }
        return kept
    }

    /// The outputs `layout` plans for `input`: each of its stages' first `mapNames.count` channels,
    /// then the final tensor. A network keeps only those channels of the nodes it names, so what
    /// `--stages` holds is bounded by `BatchOptions.stageChannels`, not by the whole graph.
    func runStages(_ input: Tensor, layout: MapLayout, executor: Executor) throws(PipelineError) -> [Tensor] {
        guard plan.isNetwork else {
            let all = try runAllStages(input, executor: executor)
            return layout.stages.map { all[$0.source] } + [all[all.count - 1]]
        }
        try checkInput(input.shape)
        let wanted = Dictionary(layout.stages.map { ($0.source, $0.mapNames.count) }) { a, _ in a }
        var kept: [Int: Tensor] = [:]
        let outputs = try runGraph(
            [GraphTensor(input)], executor: executor, keepingEveryNode: false, observed: Set(wanted.keys)
        ) { node, value in
            guard let channels = wanted[node.id] else { return }
            let shape = Shape(graphDims: value.dims)
            let count = min(channels, shape.channels) * shape.planeCount
            kept[node.id] = Tensor(
                shape: Shape(channels: min(channels, shape.channels), height: shape.height, width: shape.width),
                values: Array(value.values[0..<count]))
        }
        return layout.stages.map { kept[$0.source] ?? Tensor(shape: Shape(channels: 0, height: 1, width: 1), values: []) }
            + [Tensor(outputs[0])]
    }

    /// Throws when an input tensor of `shape` cannot run: a filter file's stage whose output would be
    /// empty; for a network, the wrong channel count or a node whose inputs' shapes disagree (a feature
    /// pyramid adding upsampled maps to finer ones needs sides that are multiples of its total
    /// stride), naming that node and the nearest size that fits.
    public func checkInput(_ shape: Shape) throws(PipelineError) {
        guard plan.isNetwork else {
            _ = try shapes(for: shape)
            return
        }
        guard shape.channels == spec.input.channels else {
            throw PipelineError("the model expects \(spec.input.channels) input channels, got \(shape.channels)")
        }
        do throws(PipelineError) {
            _ = try plan.graphDims(image: shape)
        } catch {
            guard let fit = fittingSize(near: shape) else { throw error }
            throw PipelineError(
                "\(error.message) for a \(shape.width)×\(shape.height) input; \(fit.width)×\(fit.height) fits (sides multiples of \(fit.multiple))",
                file: error.file)
        }
    }

    /// The smallest sides ≥ `shape`'s that are multiples of 2, 4, …, 128 (the first such multiple)
    /// and fit the model, or nil.
    func fittingSize(near shape: Shape) -> (width: Int, height: Int, multiple: Int)? {
        var multiple = 2
        while multiple <= 128 {
            let width = (shape.width + multiple - 1) / multiple * multiple
            let height = (shape.height + multiple - 1) / multiple * multiple
            let candidate = Shape(channels: shape.channels, height: height, width: width)
            if (try? plan.graphDims(image: candidate)) != nil { return (width, height, multiple) }
            multiple *= 2
        }
        return nil
    }

    /// The network nodes, as `runAllStages` returns their outputs.
    public var networkNodes: [PipelinePlan.Node] {
        plan.nodes.filter { if case .network = $0.operation { true } else { false } }
    }

    /// The names of the maps a batch with `options` writes for each image (`OutputPlan`).
    public func mapLayout(options: BatchOptions) -> MapLayout {
        guard plan.isNetwork else { return MapLayout(spec: spec, stages: options.stages) }
        return MapLayout(network: plan, dims: probeDims(options: options), options: options)
    }

    /// Node dims for some image the model takes, to learn channel counts before any image is read:
    /// the declared input size, else `options.resize`'s fixed size, else the nearest fit to 640×640.
    func probeDims(options: BatchOptions) -> [[Int]]? {
        let channels = spec.input.channels
        var shape = Shape(channels: channels, height: 640, width: 640)
        if case .graphInput(_, let declared) = plan.nodes[0].operation, declared.count == 4,
            let height = declared[2], let width = declared[3]
        {
            shape = Shape(channels: channels, height: height, width: width)
        } else if case .size(let width, let height) = options.resize {
            shape = Shape(channels: channels, height: height, width: width)
        }
        if let dims = try? plan.graphDims(image: shape) { return dims }
        guard let fit = fittingSize(near: shape) else { return nil }
        return try? plan.graphDims(image: Shape(channels: channels, height: fit.height, width: fit.width))
    }
}

extension InputScaling {
    /// Why these settings cannot fill an input of `mode`, or nil (the filter format's rule: one
    /// `mean` and one `std` value per channel, finite, std not 0).
    func problem(mode: InputMode) -> String? {
        let channels = mode.channels
        for (name, values) in [("mean", mean), ("std", std)] where !values.isEmpty && values.count != channels {
            return
                "\(name) has \(values.count) value\(values.count == 1 ? "" : "s") but input \(mode.rawValue) has \(channels) channel\(channels == 1 ? "" : "s")"
        }
        guard scale.isFinite, mean.allSatisfy(\.isFinite), std.allSatisfy({ $0.isFinite && $0 != 0 }) else {
            return "scale, mean and std must be finite and std not 0"
        }
        return nil
    }
}

extension Pipeline {
    /// A network Conv's (or ConvTranspose's) weights as a filter bank, for drawing: the first Conv
    /// node, or the one whose tensor or own name is `node`. Filter f has one matrix per input channel
    /// of its group (`W[f, c, :, :]`; a ConvTranspose's `W[c, f, :, :]` regrouped per output map).
    public func convWeights(node name: String? = nil) throws(PipelineError) -> ConvSpec {
        let candidates = plan.nodes.filter { node in
            guard case .network(let operation) = node.operation else { return false }
            if let name { return node.tensorName == name || node.sourceName == name }
            if case .conv = operation { return true }
            return false
        }
        guard let node = candidates.first else {
            throw PipelineError(
                name.map { "no node writes or is named '\($0)'" } ?? "the model has no Conv node", file: plan.networkFile)
        }
        var transposed = false
        switch node.operation {
        case .network(.conv): break
        case .network(.convTranspose): transposed = true
        default: throw plan.failure(node, "is not a Conv or ConvTranspose, so it has no filters to draw")
        }
        guard node.inputs.count > 1, case .constant(let weights) = plan.nodes[node.inputs[1]].operation,
            weights.dims.count == 4
        else { throw plan.failure(node, "its weights are not a constant 4-D tensor") }
        let (a, b, kh, kw) = (weights.dims[0], weights.dims[1], weights.dims[2], weights.dims[3])
        let plane = kh * kw
        let filters = transposed ? b : a, channels = transposed ? a : b
        func matrix(_ outer: Int, _ inner: Int) -> Matrix {
            let start = (outer * b + inner) * plane
            return Matrix(rows: kh, columns: kw, values: Array(weights.values[start..<start + plane]))
        }
        let bank = (0..<filters).map { f in
            FilterSpec(name: "f\(f)", channels: (0..<channels).map { c in transposed ? matrix(c, f) : matrix(f, c) })
        }
        return ConvSpec(filters: bank)
    }
}
