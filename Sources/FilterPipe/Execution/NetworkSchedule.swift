// How a network plan's nodes run (what each computes is the plan's; this is only the order and the
// passes over memory). Networks exported from training frameworks spend most nodes on element-wise
// chains: PaddleOCR's every conv is followed by a learnable affine (Mul, Add), hard-swish written as
// Add, Clip, Mul, Div, and another affine, eight passes over a tensor as large as the conv's output.
// A chain whose intermediates nothing else reads becomes one PointwiseProgram, run on the conv's
// output tiles while they are in cache when the conv feeds it alone, or as one pass otherwise.
// A chain's nodes run right after its root (they read only the root, each other and constants), and
// values are released after the last step that reads them.

import Synchronization

/// The steps a network plan runs in, with element-wise chains fused.
final class NetworkSchedule: Sendable {
    typealias NodeID = PipelinePlan.NodeID

    enum Step: Sendable {
        /// One plan node as it is.
        case node(NodeID)
        /// `members` (plan order, each reading only `root`, earlier members and constants) as
        /// `program` on `root`'s value; the last member's value is the one kept.
        case pointwise(root: NodeID, members: [NodeID], program: PointwiseProgram)
        /// The conv `conv` with `program` applied to its output tiles; nothing else reads the conv's
        /// own output, and the last member's value is the one kept.
        case convEpilogue(conv: NodeID, members: [NodeID], program: PointwiseProgram)
    }

    let steps: [Step]
    /// Per node, the index of the last step that reads its value (Int.max: a graph output).
    let lastStep: [Int]
    /// Per step, the values to release after it: those no later step reads, and the intermediates of
    /// a chain that ran node by node (its fallback).
    let releases: [[NodeID]]
    /// Each conv's planned operator, made on first use and reused for every image whose input has
    /// the same channels and padding (a ConvolutionOperator repacks its weights when made).
    private let convolutions = Mutex<[NodeID: (key: ConvKey, op: ConvolutionOperator)]>([:])

    struct ConvKey: Equatable {
        var channels: Int
        var pads: ConvPads
    }

    /// The schedule of `plan` whose nodes in `kept` are all materialised (their values observed);
    /// `fuse: false` runs every node as it is.
    init(plan: PipelinePlan, kept: Set<NodeID> = [], fuse: Bool = true) {
        var readers = [[NodeID]](repeating: [], count: plan.nodes.count)
        for node in plan.nodes { for input in Set(node.inputs) { readers[input].append(node.id) } }
        var pinned = kept
        pinned.formUnion(plan.outputs)
        var steps: [Step] = []
        var assigned = Set<NodeID>()
        for node in plan.nodes where !assigned.contains(node.id) {
            guard fuse, case .network(let operation) = node.operation,
                let chain = Self.chain(from: node.id, plan: plan, readers: readers, pinned: pinned, assigned: assigned)
            else {
                steps.append(.node(node.id))
                continue
            }
            let rootFree = !pinned.contains(node.id) && readers[node.id].allSatisfy(chain.members.contains)
            if case .conv = operation, rootFree {
                steps.append(.convEpilogue(conv: node.id, members: chain.members, program: chain.program))
            } else if chain.members.count >= 2 {
                steps.append(.node(node.id))
                steps.append(.pointwise(root: node.id, members: chain.members, program: chain.program))
            } else {
                steps.append(.node(node.id))
                continue
            }
            assigned.formUnion(chain.members)
        }
        var last = [Int](repeating: -1, count: plan.nodes.count)
        for (index, step) in steps.enumerated() {
            for input in Self.reads(step, plan: plan) { last[input] = index }
        }
        for output in plan.outputs { last[output] = Int.max }
        var releases = [[NodeID]](repeating: [], count: steps.count)
        for (index, step) in steps.enumerated() {
            releases[index] = Self.reads(step, plan: plan).filter { last[$0] == index }.sorted()
            switch step {
            case .node: break
            case .pointwise(_, let members, _): releases[index] += members.dropLast()
            case .convEpilogue(let conv, let members, _): releases[index] += [conv] + members.dropLast()
            }
        }
        self.steps = steps
        self.lastStep = last
        self.releases = releases
    }

    /// The values a step reads from outside itself.
    private static func reads(_ step: Step, plan: PipelinePlan) -> Set<NodeID> {
        switch step {
        case .node(let id): return Set(plan.nodes[id].inputs)
        case .pointwise(let root, let members, _), .convEpilogue(let root, let members, _):
            var result = Set(members.flatMap { plan.nodes[$0].inputs }).subtracting(members)
            if case .convEpilogue = step { result.remove(root); result.formUnion(plan.nodes[root].inputs) }
            return result
        }
    }

    /// The longest element-wise chain on `root`'s value whose intermediates only the chain reads.
    private static func chain(
        from root: NodeID, plan: PipelinePlan, readers: [[NodeID]], pinned: Set<NodeID>, assigned: Set<NodeID>
    ) -> (members: [NodeID], program: PointwiseProgram)? {
        var valueIndex: [NodeID: Int] = [root: 0]
        var members: [NodeID] = []
        var instructions: [[PointwiseProgram.Instruction]] = []
        var channels: Int?
        var valueCount = 0
        for candidate in plan.nodes[(root + 1)...] where !assigned.contains(candidate.id) {
            guard candidate.inputs.contains(where: { valueIndex[$0] != nil }) else { continue }
            var value = valueCount, candidateChannels = channels
            guard
                let emitted = instruction(
                    candidate, plan: plan, valueIndex: valueIndex, nextValue: &value, channels: &candidateChannels)
            else { continue }
            channels = candidateChannels
            valueCount = value
            members.append(candidate.id)
            instructions.append(emitted)
            valueIndex[candidate.id] = value
        }
        // The longest prefix whose members but the last are read by the prefix alone.
        var length = members.count
        while length > 0 {
            let prefix = Set(members[0..<length])
            let closed = members[0..<(length - 1)].allSatisfy { member in
                !pinned.contains(member) && readers[member].allSatisfy(prefix.contains)
            }
            if closed { break }
            length -= 1
        }
        guard length > 0 else { return nil }
        return (Array(members[0..<length]), PointwiseProgram(instructions: Array(instructions[0..<length].joined())))
    }

    /// The instructions computing `node` from chain values (`valueIndex`) and constants, or nil when
    /// the node is not element-wise over the chain. `nextValue` is the number of values so far; on
    /// return it is the index of the node's value.
    private static func instruction(
        _ node: PipelinePlan.Node, plan: PipelinePlan, valueIndex: [NodeID: Int], nextValue: inout Int,
        channels: inout Int?
    ) -> [PointwiseProgram.Instruction]? {
        guard case .network(let operation) = node.operation else { return nil }
        func constant(_ id: NodeID) -> GraphTensor? {
            guard case .constant(let value) = plan.nodes[id].operation, value.elementType == .float else { return nil }
            return value
        }
        // A scalar, or one value per channel of an N×C×H×W value (checked against its dims at run time).
        func operand(_ id: NodeID) -> PointwiseProgram.Operand? {
            if let index = valueIndex[id] { return .value(index) }
            guard let value = constant(id), value.dims.count <= 4 else { return nil }
            if value.count == 1 { return value.dims.count <= 1 ? .scalar(value.values[0]) : nil }
            let shape = value.dims.count == 3 ? [1] + value.dims : value.dims
            guard shape.count == 4, shape[0] == 1, shape[2] == 1, shape[3] == 1, channels == nil || channels == shape[1]
            else { return nil }
            channels = shape[1]
            return .perChannel(value.values)
        }
        let first = nextValue + 1
        switch operation {
        case .unary(let function):
            guard let x = valueIndex[node.inputs[0]] else { return nil }
            nextValue = first
            return [.unary(function, x)]
        case .clip(let hasMin, let hasMax):
            guard let x = valueIndex[node.inputs[0]] else { return nil }
            var bounds = node.inputs.dropFirst().map(constant)
            guard bounds.allSatisfy({ $0?.count == 1 }) else { return nil }
            let low = hasMin ? bounds.removeFirst()!.values[0] : nil
            let high = hasMax ? bounds.removeFirst()!.values[0] : nil
            nextValue = first
            return [.unary(.clip(min: low, max: high), x)]
        case .binary(let function):
            let fusable: [BinaryFunction] = [.add, .sub, .mul, .div, .max, .min, .prelu, .pow]
            guard fusable.contains(function), node.inputs.count == 2, let a = operand(node.inputs[0]),
                let b = operand(node.inputs[1])
            else { return nil }
            // A constant of a higher rank than the chain's value would broadcast it: scalars are
            // rank 0 or 1 (above), per-channel constants rank 3 or 4 over a rank-4 value.
            nextValue = first
            return [.binary(function, a, b)]
        case .batchNormalization(let epsilon, _, let training, let output):
            guard !training, output == 0, let x = valueIndex[node.inputs[0]] else { return nil }
            let parameters = node.inputs.dropFirst().map(constant)
            guard parameters.allSatisfy({ $0 != nil }) else { return nil }
            let (scale, bias, mean, variance) = (parameters[0]!, parameters[1]!, parameters[2]!, parameters[3]!)
            let count = scale.count
            guard count > 1, channels == nil || channels == count, [bias, mean, variance].allSatisfy({ $0.count == count })
            else { return nil }
            channels = count
            // Normalization.batch's float32 steps: (x − mean) · (1 / √(var + ε)) · scale + B.
            let inverse = variance.values.map { 1 / ($0 + epsilon).squareRoot() }
            nextValue = first + 3
            return [
                .binary(.sub, .value(x), .perChannel(mean.values)),
                .binary(.mul, .value(first), .perChannel(inverse)),
                .binary(.mul, .value(first + 1), .perChannel(scale.values)),
                .binary(.add, .value(first + 2), .perChannel(bias.values)),
            ]
        default:
            return nil
        }
    }

    /// Conv node `id`'s operator for an input of `channels` channels padded by `pads`: the cached one
    /// when they match, else `make()`'s, kept for the next image.
    func convolution(
        _ id: NodeID, channels: Int, pads: ConvPads, make: () throws(OperatorError) -> ConvolutionOperator
    ) throws(OperatorError) -> ConvolutionOperator {
        let key = ConvKey(channels: channels, pads: pads)
        if let cached = convolutions.withLock({ $0[id] }), cached.key == key { return cached.op }
        let op = try make()
        convolutions.withLock { $0[id] = (key, op) }
        return op
    }
}
