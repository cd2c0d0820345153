// What a pipeline's written maps are called, known before any image is decoded: the final maps'
// names and, with `--stages`, each intermediate output's folder, title, map names and signedness.
// A filter file's intermediates are its stages (`stage-<n>-<keyword>`, every map); a network's are
// its nodes (`node-<n>-<Op>-<tensor>`, n counting network nodes from 1), only those whose output is
// an image-like 1×C×H×W with more than one pixel, at most `BatchOptions.stageChannels` channels
// each, and only nodes `BatchOptions.stageNodes` selects.

/// The names of a pipeline's written maps, for an `OutputPlan`.
public struct MapLayout: Sendable, Equatable {
    /// One intermediate output written with `--stages`.
    public struct Stage: Sendable, Equatable {
        /// The folder under the image's: `stage-2-relu`, `node-017-Conv-conv2d_12.tmp_0`.
        public var folder: String
        /// How montages and the report title it: `stage 2 (relu)`, `node 17 Conv: conv2d_12.tmp_0`.
        public var title: String
        /// The report's tab label: `2 relu`, `17 Conv conv2d_12.tmp_0`.
        public var label: String
        /// One per map written: the output's first `mapNames.count` channels.
        public var mapNames: [String]
        public var signed: [Bool]
        /// The filter-format stage index, or the network plan's node id.
        var source: Int
    }

    public var finalNames: [String]
    public var finalSigned: [Bool]
    /// The report's label of the final maps: `3 conv (final)`.
    public var finalLabel: String
    /// With `--stages`: the outputs written besides the final maps, in run order.
    public var stages: [Stage]

    /// A filter file's maps: the final stage's, and with `stages` every other stage's.
    public init(spec: PipelineSpec, stages: Bool) {
        let channels = spec.input.channels
        let last = spec.stages.count - 1
        finalNames = spec.finalMapNames(inputChannels: channels)
        finalSigned = spec.mapsCanBeNegative(afterStage: last, inputChannels: channels)
        finalLabel = "\(last + 1) \(spec.stages.isEmpty ? "input" : spec.stages[last].keyword) (final)"
        self.stages = []
        guard stages, spec.stages.count > 1 else { return }
        for index in 0..<last {
            let keyword = spec.stages[index].keyword
            self.stages.append(
                Stage(
                    folder: "stage-\(index + 1)-\(keyword)", title: "stage \(index + 1) (\(keyword))",
                    label: "\(index + 1) \(keyword)",
                    mapNames: spec.mapNames(afterStage: index, inputChannels: channels),
                    signed: spec.mapsCanBeNegative(afterStage: index, inputChannels: channels), source: index))
        }
    }

    /// A network's maps (see the top of this file); `dims` are the plan's node dims for some input
    /// (`PipelinePlan.graphDims`), nil when no probe size fits the model (then no maps are planned).
    init(network plan: PipelinePlan, dims: [[Int]]?, options: BatchOptions) {
        let signed = Self.signedNodes(plan)
        let finalChannels = dims.map { Shape(graphDims: $0[plan.output]).channels } ?? 0
        let tensor = plan.nodes[plan.output].tensorName ?? "output"
        finalNames = finalChannels == 1 ? [tensor] : (0..<finalChannels).map { "c\($0)" }
        finalSigned = [Bool](repeating: signed[plan.output], count: finalChannels)
        let networkNodes = plan.nodes.filter { if case .network = $0.operation { true } else { false } }
        let width = max(3, String(networkNodes.count).count)
        finalLabel = "\(networkNodes.count) \(plan.nodes[plan.output].keyword) \(tensor) (final)"
        stages = []
        guard options.stages, let dims else { return }
        for (offset, node) in networkNodes.enumerated() where node.id != plan.output {
            let d = dims[node.id]
            guard d.count == 4, d[0] == 1, d[2] * d[3] > 1, Self.selects(options.stageNodes, node) else { continue }
            let number = String(offset + 1)
            let padded = String(repeating: "0", count: max(0, width - number.count)) + number
            let name = node.tensorName ?? "\(node.id)"
            let kept = min(d[1], options.stageChannels)
            stages.append(
                Stage(
                    folder: OutputPlan.safeFileName("node-\(padded)-\(node.keyword)-\(name)"),
                    title: "node \(offset + 1) \(node.keyword): \(name)", label: "\(offset + 1) \(node.keyword) \(name)",
                    mapNames: (0..<kept).map { "c\($0)" }, signed: [Bool](repeating: signed[node.id], count: kept),
                    source: node.id))
        }
    }

    /// Whether `node` is one of `patterns` (empty: every node): its op type (any case), or a
    /// substring of its tensor's or its own name.
    static func selects(_ patterns: [String], _ node: PipelinePlan.Node) -> Bool {
        if patterns.isEmpty { return true }
        return patterns.contains { pattern in
            node.keyword.lowercased() == pattern.lowercased() || (node.tensorName ?? "").contains(pattern)
                || (node.sourceName ?? "").contains(pattern)
        }
    }

    /// Per plan node, whether its values can be negative: false after Relu, Sigmoid, HardSigmoid,
    /// Abs, Exp, Sqrt, a Clip at ≥ 0 and a conv with such an activation fused, and through operations
    /// that only move, pick or pool values of non-negative inputs; true otherwise.
    static func signedNodes(_ plan: PipelinePlan) -> [Bool] {
        var signed = [Bool](repeating: true, count: plan.nodes.count)
        func nonNegative(_ function: UnaryFunction) -> Bool {
            switch function {
            case .relu, .sigmoid, .hardSigmoid, .abs, .exp, .sqrt: true
            case .clip(let low, _): (low ?? -1) >= 0
            default: false
            }
        }
        for node in plan.nodes {
            guard case .network(let operation) = node.operation else { continue }
            let inputsUnsigned = !node.inputs.isEmpty && !signed[node.inputs[0]]
            switch operation {
            case .unary(let function): signed[node.id] = !(nonNegative(function) || (inputsUnsigned && function == .identity))
            case .clip(let hasMin, _): signed[node.id] = !(inputsUnsigned || (hasMin && plan.constantMinimum(node) >= 0))
            case .conv(let conv): signed[node.id] = !(conv.activation.map(nonNegative) ?? false)
            case .pool, .globalPool, .reshape, .flatten, .unsqueeze, .squeeze, .resize:
                signed[node.id] = !inputsUnsigned
            case .concat, .binary(.max):
                signed[node.id] = node.inputs.contains { signed[$0] }
            default: break
            }
        }
        return signed
    }
}

extension PipelinePlan {
    /// A Clip node's constant lower bound (its second input), or −1 when it is not a constant.
    fileprivate func constantMinimum(_ node: Node) -> Float {
        guard node.inputs.count > 1, case .constant(let value) = nodes[node.inputs[1]].operation else { return -1 }
        return value.values.first ?? -1
    }
}
