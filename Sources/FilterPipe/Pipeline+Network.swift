// A Pipeline over a network plan (an ONNX model): the image is the graph's first input, 1×C×H×W,
// normalised as `InputNormalization` says; the graph runs on whole tensors (GraphRun) and the
// first output, 1×C×H×W, is the result as a C×H×W tensor.

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How a network's input values come from an image's pixels: `x = (pixel·scale − mean[c]) / std[c]`
/// with pixels 0…1 as decoded (sample / 255, or / 65535 for 16-bit), channels in RGB order or, with
/// `bgr`, reversed: the same formula as a filter file's `input … scale= mean= std=` line. The
/// defaults give the 0…1 values unchanged (a network trained on x/255 needs no `scale`).
public struct InputNormalization: Sendable, Equatable {
    public var scale: Float
    /// One per channel, or one for all (empty: 0).
    public var mean: [Float]
    /// One per channel, or one for all (empty: 1).
    public var std: [Float]
    public var bgr: Bool

    public init(scale: Float = 1, mean: [Float] = [], std: [Float] = [], bgr: Bool = false) {
        self.scale = scale
        self.mean = mean
        self.std = std
        self.bgr = bgr
    }

    /// Whether the image's 0…1 values go in unchanged.
    public var isIdentity: Bool {
        scale == 1 && mean.allSatisfy { $0 == 0 } && std.allSatisfy { $0 == 1 } && !bgr
    }

    /// The graph input for `tensor` (C×H×W values 0…1, as `Tensor(pixels:mode:)` gives).
    func networkInput(_ tensor: Tensor) -> GraphTensor {
        if isIdentity { return GraphTensor(tensor) }
        let channels = tensor.channels, plane = tensor.shape.planeCount
        var values = [Float](repeating: 0, count: tensor.values.count)
        for c in 0..<channels {
            let source = bgr ? channels - 1 - c : c
            let m = mean.isEmpty ? 0 : mean[mean.count == 1 ? 0 : c]
            let s = std.isEmpty ? 1 : std[std.count == 1 ? 0 : c]
            let gain = scale / s, offset = m / s
            for i in 0..<plane { values[c * plane + i] = tensor.values[source * plane + i] * gain - offset }
        }
        return GraphTensor(dims: [1, channels, tensor.height, tensor.width], values: values)
    }

    /// Why these settings cannot fill `channels` channels, or nil.
    func problem(channels: Int) -> String? {
        for (name, list) in [("mean", mean), ("std", std)] where list.count > 1 && list.count != channels {
            return "\(name) has \(list.count) values, the model's input has \(channels) channels"
        }
        if std.contains(0) { return "std must not be 0" }
        if bgr && channels != 3 { return "bgr needs a 3-channel input, the model's has \(channels)" }
        return nil
    }
}

extension Pipeline {
    /// The ONNX model at `onnx`, run up to the tensor `until` (nil: to the graph's output), its first
    /// input filled from images as `input` says.
    ///
    /// ```swift
    /// let detector = try Pipeline(onnx: URL(fileURLWithPath: "det.onnx"), until: "sigmoid_0.tmp_0",
    ///     input: InputNormalization(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]))
    /// let map = try detector.run(imageAt: "photo.jpg")   // 1×H×W Tensor
    /// ```
    public init(onnx: URL, until: String? = nil, input: InputNormalization = InputNormalization()) throws(FilterPipeError) {
        let path = onnx.path
        do throws(PipelineError) {
            let description = try ONNXModel.load(path: path, until: until)
            let channels = description.inputs.first?.dims.count ?? 0 > 1 ? description.inputs[0].dims[1] : nil
            // An image fills the input as its declared channels say; another count fails when an image
            // is run (graphDims names the input), not here: runGraph takes any tensors.
            let mode: InputMode = channels == 1 ? .gray : channels == 4 ? .rgba : .rgb
            if channels == mode.channels, let problem = input.problem(channels: mode.channels) {
                throw PipelineError(problem, file: path)
            }
            let plan = try PipelinePlan(network: description, input: mode)
            self.init(networkPlan: plan, normalization: input)
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
        precondition(plan.isNetwork, "runGraph runs network plans; a filter file's runs with run(_:)")
        let dims = try plan.graphDims(inputs: inputs.map(\.dims))
        let peak = try MemoryEstimate.graphPeak(plan: plan, dims: dims, keepingEveryStage: observe != nil)
        if let physical = Self.physicalMemory, peak.bytes > physical {
            throw plan.failure(
                plan.nodes[peak.node],
                "needs \(ByteText.describe(peak.bytes)), more than the physical memory (\(ByteText.describe(physical)))")
        }
        return try GraphRun(plan: plan, executor: executor).run(inputs, observe: observe)
    }

    /// The image tensor through the network: its first output as C×H×W (`Shape(graphDims:)`).
    func runNetwork(_ input: Tensor, executor: Executor) throws(PipelineError) -> Tensor {
        guard input.channels == spec.input.channels else {
            throw PipelineError("the model expects \(spec.input.channels) input channels, got \(input.channels)")
        }
        let outputs = try runGraph([normalization.networkInput(input)], executor: executor)
        return Tensor(outputs[0])
    }

    /// Every network node's output for `input` (for `--stages`), in plan order.
    func runNetworkKeepingNodes(_ input: Tensor, executor: Executor) throws(PipelineError) -> [Tensor] {
        var kept: [Tensor] = []
        _ = try runGraph([normalization.networkInput(input)], executor: executor) { _, value in kept.append(Tensor(value)) }
        return kept
    }

    /// The network nodes, as `runNetworkKeepingNodes` returns their outputs.
    public var networkNodes: [PipelinePlan.Node] {
        plan.nodes.filter { if case .network = $0.operation { true } else { false } }
    }
}
