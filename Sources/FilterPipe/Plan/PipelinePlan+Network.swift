// A network (an ONNX graph, ONNX/ONNXModel.swift) as a PipelinePlan: the front end resolves each
// node's attributes into a NetworkOperation and names its inputs; this file is the one validator of
// the graph (every input defined before use, each operation's input count and constant operands) and
// its shape walk (dims of every node from the inputs' dims, NetworkOperation's rules).

/// A network graph as a front end describes it, before validation.
public struct NetworkDescription: Sendable {
    /// A named input of the graph.
    public struct Input: Sendable {
        public var name: String
        /// Declared lengths, nil where the model leaves one open (a batch or image side).
        public var dims: [Int?]
        public init(name: String, dims: [Int?]) {
            self.name = name
            self.dims = dims
        }
    }

    /// One operation writing one tensor (an ONNX node with several outputs becomes one per output).
    public struct Node: Sendable {
        public var name: String
        public var operation: NetworkOperation
        /// Tensor names read, in the operation's order (absent optional inputs left out).
        public var inputs: [String]
        public var output: String
        public init(name: String, operation: NetworkOperation, inputs: [String], output: String) {
            self.name = name
            self.operation = operation
            self.inputs = inputs
            self.output = output
        }
    }

    /// The model file, for messages.
    public var file: String
    public var inputs: [Input]
    /// Weights and constants by tensor name, in the order they appear.
    public var constants: [(name: String, value: GraphTensor)]
    /// Nodes in the model's order (ONNX requires it to be topological).
    public var nodes: [Node]
    /// The tensors the graph returns.
    public var outputs: [String]

    public init(
        file: String, inputs: [Input], constants: [(name: String, value: GraphTensor)], nodes: [Node],
        outputs: [String]
    ) {
        self.file = file
        self.inputs = inputs
        self.constants = constants
        self.nodes = nodes
        self.outputs = outputs
    }
}

extension PipelinePlan {
    /// Validates `network`: throws `FILE: node 'NAME' (OP): reason` for the first node that reads an
    /// undefined tensor or has the wrong number or kind of inputs. Constants nothing reads are dropped.
    /// The image input (node 0) is the first graph input; `spec.input` says how pixels fill it.
    public init(network: NetworkDescription, input: InputMode = .rgb) throws(PipelineError) {
        let file = network.file
        var nodes: [Node] = []
        var byName: [String: NodeID] = [:]
        for graphInput in network.inputs {
            byName[graphInput.name] = nodes.count
            nodes.append(
                Node(
                    id: nodes.count, operation: .graphInput(name: graphInput.name, dims: graphInput.dims), inputs: [],
                    channels: graphInput.dims.count > 1 ? graphInput.dims[1] ?? 0 : 0, mapNames: [], location: nil,
                    tensorName: graphInput.name, sourceName: nil))
        }
        guard !nodes.isEmpty else { throw PipelineError("the model has no input", file: file) }
        // Constants are placed on first use, so unused ones (and their memory) never enter the plan.
        var constants: [String: GraphTensor] = [:]
        for (name, value) in network.constants where byName[name] == nil { constants[name] = value }
        func resolve(_ name: String, for node: NetworkDescription.Node) throws(PipelineError) -> NodeID {
            if let id = byName[name] { return id }
            if let value = constants[name] {
                let id = nodes.count
                nodes.append(
                    Node(
                        id: id, operation: .constant(value), inputs: [], channels: 0, mapNames: [], location: nil,
                        tensorName: name, sourceName: nil))
                byName[name] = id
                return id
            }
            throw PipelineError(
                "\(Self.describe(node)): input '\(name)' is not a graph input, a weight or an earlier node's output",
                file: file)
        }
        for node in network.nodes {
            var inputs: [NodeID] = []
            for name in node.inputs { try inputs.append(resolve(name, for: node)) }
            if let reason = Self.arityProblem(node.operation, inputs: inputs.count) {
                throw PipelineError("\(Self.describe(node)): \(reason)", file: file)
            }
            let id = nodes.count
            nodes.append(
                Node(
                    id: id, operation: .network(node.operation), inputs: inputs, channels: 0, mapNames: [],
                    location: nil, tensorName: node.output, sourceName: node.name))
            byName[node.output] = id
        }
        var outputs: [NodeID] = []
        for name in network.outputs {
            guard let id = byName[name] else {
                throw PipelineError("the graph's output '\(name)' is not computed by any node", file: file)
            }
            outputs.append(id)
        }
        guard !outputs.isEmpty else { throw PipelineError("the model has no output", file: file) }
        self.init(network: nodes, outputs: outputs, spec: PipelineSpec(input: input), file: file)
        // Constant operands whose meaning is fixed at load time (weights' ranks, groups) are checked
        // with the declared input dims where the model gives them all.
        let declared = network.inputs.map { $0.dims.allSatisfy { $0 != nil } ? $0.dims.map { $0! } : nil }
        if declared.allSatisfy({ $0 != nil }) {
            _ = try graphDims(inputs: declared.map { $0! })
        }
    }

    /// "node 'conv1' (Conv) → conv1.out".
    static func describe(_ node: NetworkDescription.Node) -> String {
        "node \(node.name.isEmpty ? "" : "'\(node.name)' ")(\(node.operation.opType)) → \(node.output)"
    }

    /// Why `operation` cannot take `count` inputs, or nil.
    static func arityProblem(_ operation: NetworkOperation, inputs count: Int) -> String? {
        let range: ClosedRange<Int>
        switch operation {
        case .conv(let conv): range = conv.hasBias ? 3...3 : 2...2
        case .convTranspose(let conv): range = conv.hasBias ? 3...3 : 2...2
        case .batchNormalization: range = 5...5
        case .pool, .globalPool, .unary, .cast, .flatten, .shape: range = 1...1
        case .clip(let hasMin, let hasMax):
            range = (1 + (hasMin ? 1 : 0) + (hasMax ? 1 : 0))...(1 + (hasMin ? 1 : 0) + (hasMax ? 1 : 0))
        case .binary(let function): range = function == .max || function == .min ? 1...Int.max : 2...2
        case .select: range = 3...3
        case .castLike, .reshape: range = 2...2
        case .unsqueeze(let axes), .squeeze(let axes): range = axes == nil ? 1...2 : 1...1
        case .concat: range = 1...Int.max
        case .resize(_, let hasScales, let hasSizes):
            let n = 1 + (hasScales ? 1 : 0) + (hasSizes ? 1 : 0)
            range = n...n
        }
        if range.contains(count) { return nil }
        let wanted =
            range.lowerBound == range.upperBound
            ? "\(range.lowerBound)"
            : range.upperBound == Int.max ? "at least \(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
        return "takes \(wanted) input\(wanted == "1" ? "" : "s"), the model gives \(count)"
    }

    /// The node named in messages: `FILE: node 'NAME' (OP) → TENSOR: reason`.
    func failure(_ node: Node, _ reason: String) -> PipelineError {
        PipelineError("\(node.name): \(reason)", file: networkFile)
    }

    /// The dims of every node's output when the graph inputs have `inputs` (in the model's order);
    /// throws naming the first node whose inputs do not fit its operation.
    public func graphDims(inputs: [[Int]]) throws(PipelineError) -> [[Int]] {
        var dims: [[Int]] = []
        // Values known before running: constants, and what Shape reads off dims.
        var known: [NodeID: GraphTensor] = [:]
        dims.reserveCapacity(nodes.count)
        for node in nodes {
            switch node.operation {
            case .graphInput(let name, let declared):
                let index = dims.count
                guard index < inputs.count else {
                    throw PipelineError("the graph input '\(name)' has no value", file: networkFile)
                }
                let given = inputs[index]
                let fits =
                    given.count == declared.count
                    && zip(given, declared).allSatisfy { (length: Int, want: Int?) in
                        want == nil || want == length
                    }
                guard fits else {
                    let want = declared.map { (length: Int?) -> String in length.map { String($0) } ?? "?" }
                        .joined(separator: "×")
                    throw PipelineError(
                        "the graph input '\(name)' is \(want.isEmpty ? "a scalar" : want), given \(GraphTensor.describe(given))",
                        file: networkFile)
                }
                dims.append(given)
            case .constant(let value):
                dims.append(value.dims)
                known[node.id] = value
            case .network(let operation):
                let inputDims = node.inputs.map { dims[$0] }
                let values = node.inputs.map { known[$0] }
                let result: [Int]
                do throws(ShapeProblem) {
                    result = try NetworkShapes.output(operation, inputs: inputDims, values: values)
                } catch {
                    throw failure(node, error.reason)
                }
                guard result.allSatisfy({ $0 >= 0 && $0 <= Shape.largestSide }), CheckedSize.product(result) != nil else {
                    throw failure(node, "its \(GraphTensor.describe(result)) output is too large")
                }
                if case .shape = operation {
                    known[node.id] = GraphTensor(
                        dims: [inputDims[0].count], values: inputDims[0].map(Float.init), elementType: .int64)
                }
                dims.append(result)
            default:
                preconditionFailure("a network plan holds graph nodes only")
            }
        }
        return dims
    }

    /// `graphDims` for an image of `input` (C×H×W) as the first graph input, 1×C×H×W; a model with more
    /// inputs cannot run on an image alone.
    public func graphDims(image input: Shape) throws(PipelineError) -> [[Int]] {
        let inputCount = nodes.prefix { if case .graphInput = $0.operation { true } else { false } }.count
        guard inputCount == 1 else {
            throw PipelineError("the model has \(inputCount) inputs; an image fills one", file: networkFile)
        }
        return try graphDims(inputs: [[1, input.channels, input.height, input.width]])
    }

    /// For each node, the last node reading it (itself when none does); outputs live to the end.
    public var lastUse: [NodeID] {
        var last = nodes.map(\.id)
        for node in nodes { for input in node.inputs { last[input] = max(last[input], node.id) } }
        for output in outputs { last[output] = nodes.count }
        return last
    }
}

/// Why a node's inputs do not fit its operation.
struct ShapeProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// The shape rule of every network operation (formulas at the top of NetworkOperation.swift).
enum NetworkShapes {
    static func output(_ operation: NetworkOperation, inputs: [[Int]], values: [GraphTensor?]) throws(ShapeProblem) -> [Int] {
        let x = inputs[0]
        func spatial(_ what: String) throws(ShapeProblem) {
            guard x.count >= 3 else { throw ShapeProblem("\(what) needs an N×C×spatial input, got \(GraphTensor.describe(x))") }
        }
        switch operation {
        case .conv(let conv):
            try spatial("Conv")
            let w = inputs[1]
            guard w.count == x.count else {
                throw ShapeProblem(
                    "weights \(GraphTensor.describe(w)) do not match the \(x.count)-D input \(GraphTensor.describe(x))")
            }
            guard conv.group >= 1, x[1] % conv.group == 0, w[0] % conv.group == 0, w[1] * conv.group == x[1] else {
                throw ShapeProblem(
                    "weights \(GraphTensor.describe(w)) with group \(conv.group) do not fit \(x[1]) input channels")
            }
            if conv.hasBias, inputs[2] != [w[0]] {
                throw ShapeProblem("bias \(GraphTensor.describe(inputs[2])) should have \(w[0]) values")
            }
            var window = conv.window
            window.kernel = Array(w.dropFirst(2))
            let axes = try resolved(window, Array(x.dropFirst(2)), ceilMode: false)
            return [x[0], w[0]] + axes
        case .convTranspose(let conv):
            try spatial("ConvTranspose")
            let w = inputs[1]
            guard w.count == x.count, w[0] == x[1], x[1] % conv.group == 0 else {
                throw ShapeProblem("weights \(GraphTensor.describe(w)) do not fit the input \(GraphTensor.describe(x))")
            }
            let n = x.count - 2
            let window = conv.window.filled(rank: n)
            let outputPadding = conv.outputPadding.isEmpty ? [Int](repeating: 0, count: n) : conv.outputPadding
            guard window.strides.count == n, window.dilations.count == n, window.pads.count == 2 * n,
                outputPadding.count == n, window.autoPad == .notSet
            else { throw ShapeProblem("strides, dilations, pads and output_padding must fit \(n) axes (auto_pad unsupported)") }
            var out = [x[0], w[1] * conv.group]
            for axis in 0..<n {
                let k = w[2 + axis], s = window.strides[axis], d = window.dilations[axis]
                let p = window.pads[axis] + window.pads[axis + n]
                let length = s * (x[2 + axis] - 1) + outputPadding[axis] + d * (k - 1) + 1 - p
                guard length >= 1 else { throw ShapeProblem("output would be empty") }
                out.append(length)
            }
            return out
        case .batchNormalization(_, _, _, let output):
            guard x.count >= 2 else { throw ShapeProblem("needs an N×C… input, got \(GraphTensor.describe(x))") }
            for (index, dims) in inputs.dropFirst().enumerated() where dims != [x[1]] {
                throw ShapeProblem(
                    "\(["scale", "bias", "mean", "var"][index]) is \(GraphTensor.describe(dims)), the input has \(x[1]) channels")
            }
            return output == 0 ? x : [x[1]]
        case .pool(let pool):
            try spatial(pool.kind == .max ? "MaxPool" : "AveragePool")
            return [x[0], x[1]] + (try resolved(pool.window, Array(x.dropFirst(2)), ceilMode: pool.ceilMode))
        case .globalPool:
            try spatial("global pooling")
            return [x[0], x[1]] + [Int](repeating: 1, count: x.count - 2)
        case .unary, .cast, .castLike:
            return x
        case .clip:
            for bound in inputs.dropFirst() where bound.reduce(1, *) != 1 {
                throw ShapeProblem("a bound must be one value, got \(GraphTensor.describe(bound))")
            }
            return x
        case .binary:
            var result = x
            for other in inputs.dropFirst() {
                guard let next = Broadcast.dims(result, other) else {
                    throw ShapeProblem(
                        "cannot broadcast \(GraphTensor.describe(result)) with \(GraphTensor.describe(other))")
                }
                result = next
            }
            return result
        case .select:
            guard let ab = Broadcast.dims(inputs[1], inputs[2]), let all = Broadcast.dims(inputs[0], ab) else {
                throw ShapeProblem("cannot broadcast \(inputs.map(GraphTensor.describe).joined(separator: ", "))")
            }
            return all
        case .reshape(let allowZero):
            guard let target = values[1] else { throw ShapeProblem("the target shape must be a constant") }
            return try reshaped(x, to: target.values.map { Int($0) }, allowZero: allowZero)
        case .flatten(let axis):
            let a = axis < 0 ? axis + x.count : axis
            guard (0...x.count).contains(a) else { throw ShapeProblem("axis \(axis) is outside \(x.count) axes") }
            return [x.prefix(a).reduce(1, *), x.dropFirst(a).reduce(1, *)]
        case .unsqueeze(let attribute):
            let axes = try axesOperand(attribute, values: values)
            let rank = x.count + axes.count
            let normal = axes.map { $0 < 0 ? $0 + rank : $0 }.sorted()
            guard normal.allSatisfy({ (0..<rank).contains($0) }), Set(normal).count == normal.count else {
                throw ShapeProblem("axes \(axes) do not fit a rank-\(rank) output")
            }
            var result = x
            for axis in normal { result.insert(1, at: axis) }
            return result
        case .squeeze(let attribute):
            let axes = attribute == nil && values.count < 2 ? nil : try axesOperand(attribute, values: values)
            guard let axes else { return x.filter { $0 != 1 } }
            let normal = Set(axes.map { $0 < 0 ? $0 + x.count : $0 })
            guard normal.allSatisfy({ (0..<x.count).contains($0) && x[$0] == 1 }) else {
                throw ShapeProblem("axes \(axes) are not length-1 axes of \(GraphTensor.describe(x))")
            }
            return x.enumerated().filter { !normal.contains($0.offset) }.map(\.element)
        case .concat(let axis):
            let a = axis < 0 ? axis + x.count : axis
            guard (0..<x.count).contains(a) else { throw ShapeProblem("axis \(axis) is outside \(x.count) axes") }
            var result = x
            for other in inputs.dropFirst() {
                guard other.count == x.count, other.indices.allSatisfy({ $0 == a || other[$0] == x[$0] }) else {
                    throw ShapeProblem(
                        "cannot join \(GraphTensor.describe(other)) to \(GraphTensor.describe(x)) on axis \(axis)")
                }
                result[a] += other[a]
            }
            return result
        case .resize(_, let hasScales, let hasSizes):
            // Inputs: X, roi?, scales?, sizes? with the absent ones left out; the last present one decides.
            if hasSizes, let sizes = values.last ?? nil {
                let s = sizes.values.map { Int($0) }
                guard s.count == x.count else {
                    throw ShapeProblem("sizes \(s) do not match the rank of \(GraphTensor.describe(x))")
                }
                return s
            }
            guard hasScales, let scales = values.last ?? nil, scales.count == x.count else {
                throw ShapeProblem("the scales or sizes must be a constant with one value per axis")
            }
            return zip(x, scales.values).map { Int((Float($0) * $1).rounded(.down)) }
        case .shape:
            return [x.count]
        }
    }

    static func resolved(_ window: WindowAttributes, _ lengths: [Int], ceilMode: Bool) throws(ShapeProblem) -> [Int] {
        let n = lengths.count
        let window = window.filled(rank: n)
        guard window.kernel.count == n, window.strides.count == n, window.dilations.count == n, window.pads.count == 2 * n
        else {
            throw ShapeProblem("kernel, strides, dilations and pads must have \(n) (pads \(2 * n)) values for a \(n)-D input")
        }
        guard window.kernel.allSatisfy({ $0 >= 1 }), window.strides.allSatisfy({ $0 >= 1 }),
            window.dilations.allSatisfy({ $0 >= 1 }), window.pads.allSatisfy({ $0 >= 0 })
        else { throw ShapeProblem("kernel, strides and dilations must be at least 1 and pads at least 0") }
        guard let axes = window.resolve(lengths, ceilMode: ceilMode) else {
            throw ShapeProblem("output would be empty for a \(lengths.map(String.init).joined(separator: "×")) input")
        }
        return axes.map(\.output)
    }

    static func axesOperand(_ attribute: [Int]?, values: [GraphTensor?]) throws(ShapeProblem) -> [Int] {
        if let attribute { return attribute }
        guard values.count > 1, let axes = values[1] else { throw ShapeProblem("the axes must be a constant") }
        return axes.values.map { Int($0) }
    }

    /// Reshape's rule: 0 copies the input's length (unless `allowZero`), −1 takes what is left.
    static func reshaped(_ x: [Int], to target: [Int], allowZero: Bool) throws(ShapeProblem) -> [Int] {
        var result = target
        for i in result.indices where result[i] == 0 && !allowZero {
            guard i < x.count else { throw ShapeProblem("0 at axis \(i) has no input axis to copy") }
            result[i] = x[i]
        }
        let total = x.reduce(1, *)
        let free = result.indices.filter { result[$0] == -1 }
        guard free.count <= 1, result.allSatisfy({ $0 >= -1 }) else { throw ShapeProblem("bad target shape \(target)") }
        let known = result.filter { $0 != -1 }.reduce(1, *)
        if let i = free.first {
            guard known > 0, total % known == 0 else {
                throw ShapeProblem("cannot reshape \(GraphTensor.describe(x)) to \(target)")
            }
            result[i] = total / known
        }
        guard result.reduce(1, *) == total else {
            throw ShapeProblem("cannot reshape \(GraphTensor.describe(x)) (\(total) values) to \(target)")
        }
        return result
    }
}
