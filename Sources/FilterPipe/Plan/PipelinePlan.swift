// The validated meaning of a description, built once: a graph of nodes, each with its operation,
// its named inputs, its channel count, its map names, its conv geometry and where it was written.
// Every structural rule lives here (kernel sizes, channel counts, strides, paddings, pool windows);
// what depends on an image size (empty outputs, byte counts) is the shapes' business (MemoryEstimate,
// PipelineSummary), which follow the same nodes. The filter format is a chain, so node k reads
// node k − 1; the graph form is for front ends with branches (ONNX: residual adds, concatenation).

/// A pipeline's validated graph: node 0 is the input, node k the k-th stage of the spec.
public struct PipelinePlan: Sendable {
    /// A node's index in `nodes`.
    public typealias NodeID = Int

    /// What a node computes.
    public enum Operation: Sendable, Equatable {
        /// The decoded image, as `mode` gives its channels.
        case input(InputMode)
        /// A bank run at one kernel size: a `pad=same` bank of mixed sizes has every filter placed in
        /// zeros at the largest size (`PipelinePlan.sharingOneKernelSize`), so the engine sees one size.
        case conv(ConvSpec, rows: ConvGeometry, columns: ConvGeometry)
        case activation(Activation)
        case pool(PoolSpec)
        /// A named input of a network; `dims` as the model declares them, nil where it leaves a length open.
        case graphInput(name: String, dims: [Int?])
        /// A weight or constant of a network (an ONNX initializer or Constant node).
        case constant(GraphTensor)
        /// A network operation on N-D graph values (PipelinePlan+Network.swift).
        case network(NetworkOperation)
    }

    /// One operation of the graph.
    public struct Node: Sendable {
        public let id: NodeID
        public let operation: Operation
        /// The nodes whose outputs this one reads, in order (empty for the input).
        public let inputs: [NodeID]
        /// Channels of this node's output.
        public let channels: Int
        /// One name per output channel (`PipelineSpec.mapNames(afterStage:inputChannels:)`).
        public let mapNames: [String]
        /// Where the stage was written, when the spec came from a file.
        public let location: SourceLocation?
        /// The tensor a network node writes (its ONNX output name); nil for filter-format stages.
        public let tensorName: String?
        /// The network node's own name in the model (may be empty); nil for filter-format stages.
        public let sourceName: String?

        init(
            id: NodeID, operation: Operation, inputs: [NodeID], channels: Int, mapNames: [String],
            location: SourceLocation?, tensorName: String? = nil, sourceName: String? = nil
        ) {
            self.id = id
            self.operation = operation
            self.inputs = inputs
            self.channels = channels
            self.mapNames = mapNames
            self.location = location
            self.tensorName = tensorName
            self.sourceName = sourceName
        }

        /// The stage keyword (`input`, `conv`, `relu`, `maxpool`, ...).
        public var keyword: String {
            switch operation {
            case .input: "input"
            case .conv(let conv, _, _): StageSpec.conv(conv).keyword
            case .activation(let activation): StageSpec.activation(activation).keyword
            case .pool(let pool): StageSpec.pool(pool).keyword
            case .graphInput: "input"
            case .constant: "Constant"
            case .network(let operation): operation.opType
            }
        }

        /// "layer 2 (conv)", as errors and estimates name a stage; "node 'conv_3' (Conv) → conv_3.tmp"
        /// for a network node.
        public var name: String {
            guard let tensorName else { return "layer \(id) (\(keyword))" }
            let own = sourceName.map { $0.isEmpty ? "" : "'\($0)' " } ?? ""
            return "node \(own)(\(keyword)) → \(tensorName)"
        }

        /// The node as a stage of the spec (nil for the input).
        var stage: StageSpec? {
            switch operation {
            case .input: nil
            case .conv(let conv, _, _): .conv(conv)
            case .activation(let activation): .activation(activation)
            case .pool(let pool): .pool(pool)
            case .graphInput, .constant, .network: nil
            }
        }

        /// The output shape for its input's `input`, or nil if it would be empty.
        public func outputShape(for input: Shape) -> Shape? {
            switch operation {
            case .input: input.isEmpty ? nil : input
            case .conv(let conv, _, _): conv.outputShape(for: input)
            case .activation(let activation): StageSpec.activation(activation).outputShape(for: input)
            case .pool(let pool): pool.outputShape(for: input)
            case .graphInput, .constant, .network: nil
            }
        }
    }

    /// The description the plan was built from.
    public let spec: PipelineSpec
    /// The input first, then one node per stage.
    public let nodes: [Node]
    /// The node whose output is the pipeline's result (a network's first output).
    public let output: NodeID
    /// A network's outputs, in the model's order (the filter format's: `[output]`).
    public let outputs: [NodeID]
    /// The file a network was loaded from (nil for a filter-format plan).
    public let networkFile: String?

    /// Whether this is a network graph (from an ONNX model) rather than a filter-format chain.
    public var isNetwork: Bool { networkFile != nil }

    /// The output shape of every stage (node 1, 2, ...) for an input of `input`: the one shape walk,
    /// which the summary table, the memory estimate and both routes read. Throws naming the first
    /// stage, with its location, whose output would be empty or would hold more values than 64 bits count.
    public func shapes(for input: Shape) throws(PipelineError) -> [Shape] {
        if isNetwork { return try Array(graphDims(image: input).dropFirst().map(Shape.init(graphDims:))) }
        var shapes = [input]
        for node in nodes.dropFirst() {
            let shape = shapes[node.inputs[0]]
            guard let next = node.outputShape(for: shape) else {
                let why = node.stage.map { " (\($0.minimumInputExplanation))" } ?? ""
                throw PipelineError("\(node.name): output would be empty for its \(shape) input\(why)", at: node.location)
            }
            guard next.width <= Shape.largestSide, next.height <= Shape.largestSide, next.checkedCount != nil else {
                throw PipelineError(
                    "\(node.name) needs more than \(ByteText.largest) (its \(next) output's values overflow a 64-bit count)",
                    at: node.location)
            }
            shapes.append(next)
        }
        return Array(shapes.dropFirst())
    }

    /// Validates `spec`; throws naming the first stage that breaks a rule, with the location of the
    /// token at fault (an option's value, a filter line, a weight file) when the spec came from a file.
    public init(spec: PipelineSpec) throws(PipelineError) {
        self.spec = spec
        let inputChannels = spec.input.channels
        var nodes = [
            Node(
                id: 0, operation: .input(spec.input), inputs: [], channels: inputChannels,
                mapNames: spec.mapNames(afterStage: -1, inputChannels: inputChannels), location: nil)
        ]
        let scaling = spec.inputScaling
        for (name, values) in [("mean", scaling.mean), ("std", scaling.std)]
        where !values.isEmpty && values.count != inputChannels {
            throw PipelineError(
                "layer 0 (input): \(name) has \(values.count) value\(values.count == 1 ? "" : "s") but input \(spec.input.rawValue) has \(inputChannels) channel\(inputChannels == 1 ? "" : "s")",
                at: spec.inputDetails.options[name])
        }
        guard scaling.scale.isFinite, scaling.mean.allSatisfy(\.isFinite), scaling.std.allSatisfy({ $0.isFinite && $0 != 0 })
        else {
            throw PipelineError(
                "layer 0 (input): scale, mean and std must be finite and std not 0", at: spec.inputDetails.options["std"])
        }
        // Why each node has its channel count, for messages: "input rgb", "layer 1 (conv) gives 8 maps".
        var origins = ["input \(spec.input.rawValue)"]
        for (index, stage) in spec.stages.enumerated() {
            let id = index + 1
            let location = index < spec.stageLocations.count ? spec.stageLocations[index] : nil
            let details = index < spec.stageDetails.count ? spec.stageDetails[index] : SourceDetails()
            let rule = Rule(
                name: "layer \(id) (\(stage.keyword))", location: location, details: details,
                inputChannels: nodes[id - 1].channels, inputOrigin: origins[id - 1])
            let operation: Operation
            let outputChannels: Int
            var origin = origins[id - 1]
            switch stage {
            case .conv(let written):
                let conv = try Self.validate(written, rule)
                operation = .conv(conv, rows: conv.rowGeometry, columns: conv.columnGeometry)
                let count = conv.filters.count
                if conv.depthwise {
                    outputChannels = rule.inputChannels * count
                    origin =
                        "\(rule.name) gives \(rule.inputChannels) channels × \(count) depthwise filters = \(outputChannels) maps"
                } else {
                    outputChannels = count
                    origin = "\(rule.name) gives \(count) map\(count == 1 ? "" : "s")"
                }
            case .activation(let activation):
                operation = .activation(activation)
                outputChannels = rule.inputChannels
            case .pool(let pool):
                guard pool.size >= 1 else { throw rule.fail("pool size must be at least 1", at: "size") }
                guard pool.stride >= 1 else { throw rule.fail("stride must be at least 1", at: "stride") }
                guard pool.pad >= 0, pool.pad <= pool.size / 2 else {
                    throw rule.fail("pad \(pool.pad) must be between 0 and half the size (\(pool.size / 2))", at: "pad")
                }
                operation = .pool(pool)
                outputChannels = rule.inputChannels
            }
            nodes.append(
                Node(
                    id: id, operation: operation, inputs: [id - 1], channels: outputChannels,
                    mapNames: spec.mapNames(afterStage: index, inputChannels: inputChannels), location: location))
            origins.append(origin)
        }
        // The map count does not depend on the image: a file that cannot compose its image is refused
        // here (check, apply and show alike), not by every image at run time.
        if spec.output.kind == .image, let last = nodes.last, ![1, 3, 4].contains(last.channels) {
            throw PipelineError(
                "output image needs 1, 3 or 4 final maps (gray, RGB, RGBA), but \(origins[last.id]) (use output maps, or a last conv of 1, 3 or 4 filters)",
                at: spec.outputKindLocation)
        }
        self.nodes = nodes
        output = nodes.count - 1
        outputs = [nodes.count - 1]
        networkFile = nil
    }

    /// A network plan (`PipelinePlan+Network.swift` validates before calling this).
    init(network nodes: [Node], outputs: [NodeID], spec: PipelineSpec, file: String) {
        self.spec = spec
        self.nodes = nodes
        self.outputs = outputs
        output = outputs[0]
        networkFile = file
    }

    /// The stage a rule is checked on: its name, where its parts were written and what it reads.
    private struct Rule {
        let name: String
        let location: SourceLocation?
        let details: SourceDetails
        let inputChannels: Int
        let inputOrigin: String

        /// `layer N (kind): reason`, at `option`'s value when it was written, else at the stage.
        func fail(_ reason: String, at option: String? = nil) -> PipelineError {
            PipelineError("\(name): \(reason)", at: option.flatMap { details.options[$0] } ?? location)
        }

        /// `layer N (kind): reason`, at the `filter` line of filter `index` when it was written.
        func fail(_ reason: String, filter index: Int) -> PipelineError {
            let at = index < details.filters.count ? details.filters[index] : nil
            return PipelineError("\(name): \(reason)", at: at ?? details.options["weights"] ?? location)
        }
    }

    /// The conv rules; returns the bank as the engine runs it (a mixed-size `pad=same` bank at one size).
    private static func validate(_ written: ConvSpec, _ rule: Rule) throws(PipelineError) -> ConvSpec {
        var conv = written
        guard conv.stride >= 1 else { throw rule.fail("stride must be at least 1", at: "stride") }
        guard conv.dilation >= 1 else { throw rule.fail("dilation must be at least 1", at: "dilation") }
        switch conv.padding {
        case .same where conv.stride != 1:
            throw rule.fail(
                "pad=same needs stride 1, not stride=\(conv.stride) (with a larger stride the output cannot keep the input size)",
                at: "pad")
        case .explicit(let pad) where pad < 0:
            throw rule.fail("padding must not be negative", at: "pad")
        default:
            break
        }
        guard let first = conv.filters.first else { throw rule.fail("the bank has no filters") }
        for (index, filter) in conv.filters.enumerated() {
            guard let matrix = filter.channels.first else {
                throw rule.fail("filter '\(filter.name)' has no matrix", filter: index)
            }
            guard matrix.rows >= 1, matrix.columns >= 1 else {
                throw rule.fail("filter '\(filter.name)' has an empty kernel", filter: index)
            }
            if filter.channels.contains(where: { $0.rows != matrix.rows || $0.columns != matrix.columns }) {
                throw rule.fail(
                    "filter '\(filter.name)' has matrices of different sizes (every channel of a filter has the same size)",
                    filter: index)
            }
            // pad=same keeps every filter's output at the input size, so only then may sizes differ.
            if conv.padding != .same, matrix.rows != first.kernelHeight || matrix.columns != first.kernelWidth {
                throw rule.fail(
                    "filter '\(filter.name)' is \(matrix.rows)×\(matrix.columns) but filter '\(first.name)' of this bank is \(first.kernelHeight)×\(first.kernelWidth) (all filters of a bank have the same size unless it has pad=same)",
                    filter: index)
            }
            if conv.depthwise && !filter.isBroadcast {
                throw rule.fail(
                    "depthwise filter '\(filter.name)' must have one matrix, it has \(filter.channels.count)", filter: index)
            }
            let perChannel = !filter.isBroadcast || rule.details.sectionedFilters.contains(index)
            if perChannel && filter.channels.count != rule.inputChannels {
                let channels = "\(rule.inputChannels) channel\(rule.inputChannels == 1 ? "" : "s") (\(rule.inputOrigin))"
                if let weights = rule.details.weights {
                    let shape = "(" + weights.shape.map(String.init).joined(separator: ", ") + ")"
                    throw rule.fail(
                        "\(weights.reference) has shape \(shape), \(filter.channels.count) input channel\(filter.channels.count == 1 ? "" : "s"), but the input has \(channels)",
                        at: "weights")
                }
                let count = filter.channels.count
                throw rule.fail(
                    "filter '\(filter.name)' has \(count) channel matri\(count == 1 ? "x" : "ces") but the input has \(channels)",
                    filter: index)
            }
        }
        if conv.padding == .same {
            do throws(UnsharedKernelSize) { conv = try PipelinePlan.sharingOneKernelSize(conv) } catch {
                throw rule.fail(error.message, filter: error.filter)
            }
        }
        return conv
    }
}

extension PipelinePlan {
    /// A `pad=same` bank of mixed kernel sizes as one size, the largest: each smaller kernel placed
    /// in zeros where its own `same` padding puts it. Exact: every output still reads the same input
    /// positions with the same weights, the added taps weigh 0. Possible when the offset, the
    /// difference of the two paddings ⌊D·(K−1)/2⌋ − ⌊D·(k−1)/2⌋, is a whole number of dilated steps.
    static func sharingOneKernelSize(_ conv: ConvSpec) throws(UnsharedKernelSize) -> ConvSpec {
        let matrices = conv.filters.flatMap(\.channels)
        guard let rows = matrices.map(\.rows).max(), let columns = matrices.map(\.columns).max(),
            matrices.contains(where: { $0.rows != rows || $0.columns != columns })
        else { return conv }
        let d = conv.dilation
        var result = conv
        for (index, filter) in conv.filters.enumerated() {
            let top = d * (rows - 1) / 2 - d * (filter.kernelHeight - 1) / 2
            let left = d * (columns - 1) / 2 - d * (filter.kernelWidth - 1) / 2
            guard top % d == 0, left % d == 0 else {
                throw UnsharedKernelSize(
                    filter: index,
                    message: "filter '\(filter.name)' (\(filter.kernelHeight)×\(filter.kernelWidth)) cannot share pad=same "
                        + "with the bank's \(rows)×\(columns) kernels at dilation \(d); give it a conv of its own")
            }
            result.filters[index].channels = filter.channels.map { matrix in
                var values = [Float](repeating: 0, count: rows * columns)
                for r in 0..<matrix.rows {
                    for c in 0..<matrix.columns { values[(r + top / d) * columns + c + left / d] = matrix[r, c] }
                }
                return Matrix(rows: rows, columns: columns, values: values)
            }
        }
        return result
    }
}

/// A filter of a `pad=same` bank that cannot be placed at the bank's largest size.
struct UnsharedKernelSize: Error {
    /// Its index in the bank.
    let filter: Int
    let message: String
}
