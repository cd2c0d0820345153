// `check`'s table for a network (the counterpart of PipelineSummary): every network node with its
// output dims for one image size, its parameters, weights and multiply-adds.
//   weights        the float constants a node reads (a Conv's W and B, a BatchNorm's four vectors)
//   multiply-adds  Conv: |output| · C_in/group · Πkernel (each output value is that many products)
//                  ConvTranspose: |input| · C_out/group · Πkernel (each input value spreads to them)
//                  every other operation 0 (as the filter-format table counts only convolutions)

/// Every network node of a plan for one input size: output dims, parameters, weights, multiply-adds.
public struct NetworkSummary: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        /// 1-based among the network nodes (as `--stages` folders number them).
        public var index: Int
        /// The ONNX op type.
        public var op: String
        /// The tensor the node writes.
        public var tensor: String
        public var dims: [Int]
        /// Attributes, compact: `3×3 s2 pads 1,1,1,1 group 16`.
        public var parameters: String
        public var weights: Int
        public var multiplyAdds: Int
    }

    public let inputDims: [Int]
    public let rows: [Row]
    public let totalWeights: Int
    public let totalMultiplyAdds: Int

    /// `plan` (a network) on an image of `image`; throws naming the first node whose inputs do not fit.
    public init(plan: PipelinePlan, image: Shape) throws(PipelineError) {
        let dims = try plan.graphDims(image: image)
        inputDims = dims[0]
        var rows: [Row] = []
        var totalWeights = 0, totalMultiplyAdds = 0
        var index = 0
        for node in plan.nodes {
            guard case .network(let operation) = node.operation else { continue }
            index += 1
            var weights = 0
            for input in node.inputs {
                if case .constant(let value) = plan.nodes[input].operation, value.elementType == .float {
                    weights += value.count
                }
            }
            let out = dims[node.id]
            var multiplyAdds = 0
            switch operation {
            case .conv:
                let w = dims[node.inputs[1]]
                multiplyAdds = out.reduce(1, *) * w.dropFirst().reduce(1, *)
            case .convTranspose:
                let w = dims[node.inputs[1]]
                multiplyAdds = dims[node.inputs[0]].reduce(1, *) * w.dropFirst().reduce(1, *)
            default: break
            }
            let parameters = Self.parameters(operation, weightDims: node.inputs.count > 1 ? dims[node.inputs[1]] : [])
            rows.append(
                Row(
                    index: index, op: node.keyword, tensor: node.tensorName ?? "", dims: out, parameters: parameters,
                    weights: weights, multiplyAdds: multiplyAdds))
            totalWeights += weights
            totalMultiplyAdds += multiplyAdds
        }
        self.rows = rows
        self.totalWeights = totalWeights
        self.totalMultiplyAdds = totalMultiplyAdds
    }

    static func parameters(_ operation: NetworkOperation, weightDims: [Int]) -> String {
        func window(_ w: WindowAttributes, kernel: [Int]) -> String {
            let n = kernel.count
            let filled = w.filled(rank: n)
            var parts = [kernel.map(String.init).joined(separator: "×")]
            if filled.strides.contains(where: { $0 != 1 }) {
                parts.append("s" + filled.strides.map(String.init).joined(separator: ","))
            }
            if filled.dilations.contains(where: { $0 != 1 }) {
                parts.append("d" + filled.dilations.map(String.init).joined(separator: ","))
            }
            if w.autoPad != .notSet {
                parts.append(w.autoPad.rawValue)
            } else if filled.pads.contains(where: { $0 != 0 }) {
                parts.append("pads " + filled.pads.map(String.init).joined(separator: ","))
            }
            return parts.joined(separator: " ")
        }
        switch operation {
        case .conv(let conv):
            var text = "\(weightDims.first ?? 0) filters " + window(conv.window, kernel: Array(weightDims.dropFirst(2)))
            if conv.group != 1 { text += " group \(conv.group)" }
            if let activation = conv.activation { text += " +\(activation.name)" }
            return text
        case .convTranspose(let conv):
            var text = window(conv.window, kernel: Array(weightDims.dropFirst(2)))
            if conv.group != 1 { text += " group \(conv.group)" }
            return text
        case .pool(let pool):
            return window(pool.window, kernel: pool.window.kernel) + (pool.ceilMode ? " ceil" : "")
        case .resize(let resize, _, _): return resize.mode.rawValue + " " + resize.coordinateTransformation
        case .concat(let axis): return "axis \(axis)"
        case .flatten(let axis): return "axis \(axis)"
        case .batchNormalization(let epsilon, _, _, _): return "epsilon \(epsilon)"
        case .unary(let function):
            switch function {
            case .leakyRelu(let alpha), .elu(let alpha): return "alpha \(alpha)"
            case .hardSigmoid(let alpha, let beta): return "alpha \(alpha) beta \(beta)"
            case .clip(let low, let high): return "\(low.map { "\($0)" } ?? "-inf")..\(high.map { "\($0)" } ?? "inf")"
            default: return ""
            }
        default: return ""
        }
    }
}
