// The whole-tensor route for a network plan: the steps of its NetworkSchedule (plan nodes, or chains
// of element-wise nodes fused), each on whole N-D tensors, every value released after the last step
// that reads it, so what is alive at once is at most what MemoryEstimate's graph walk adds up.
// Spatial operators run per image of the batch on CHW tensors (SpatialOperators.swift); the rest
// here work on any rank.

/// Runs a network plan's nodes on whole tensors, in its schedule's steps.
struct GraphRun {
    let plan: PipelinePlan
    let schedule: NetworkSchedule
    let executor: Executor

    /// The outputs of `plan.outputs` for graph inputs `inputs` (in the model's order). `observe` is
    /// given every network node's output the schedule materialises, as it is made (for `--stages`),
    /// before any is released.
    func run(
        _ inputs: [GraphTensor], observe: ((PipelinePlan.Node, GraphTensor) -> Void)? = nil
    ) throws(PipelineError) -> [GraphTensor] {
        let dims = try plan.graphDims(inputs: inputs.map(\.dims))
        var values = [GraphTensor?](repeating: nil, count: plan.nodes.count)
        func store(_ node: PipelinePlan.Node, _ result: GraphTensor) {
            precondition(result.dims == dims[node.id], "\(node.name): computed \(result.dims), planned \(dims[node.id])")
            values[node.id] = result
            observe?(node, result)
        }
        func runNode(_ id: PipelinePlan.NodeID, epilogue: PointwiseProgram? = nil) throws(PipelineError) -> GraphTensor {
            let node = plan.nodes[id]
            guard case .network(let operation) = node.operation else { preconditionFailure("not a network node") }
            let operands = node.inputs.map { values[$0]! }
            do throws(ShapeProblem) {
                if case .conv = operation {
                    return try SpatialOperators.compute(
                        operation, operands, outputDims: dims[id], executor: executor, epilogue: epilogue,
                        cache: (schedule, id))
                }
                return try compute(operation, operands, outputDims: dims[id])
            } catch {
                throw plan.failure(node, error.reason)
            }
        }
        // Members one by one, each stored for the next (a chain whose dims do not allow fusing).
        func runMembers(_ members: [PipelinePlan.NodeID]) throws(PipelineError) {
            for member in members { store(plan.nodes[member], try runNode(member)) }
        }
        for (index, step) in schedule.steps.enumerated() {
            switch step {
            case .node(let id):
                let node = plan.nodes[id]
                switch node.operation {
                case .graphInput: values[id] = inputs[id]
                case .constant(let value): values[id] = value
                case .network: store(node, try runNode(id))
                default: preconditionFailure("a network plan holds graph nodes only")
                }
            case .convEpilogue(let conv, let members, let program):
                if fits(program, dims[conv], members: members, dims: dims) {
                    store(plan.nodes[members.last!], try runNode(conv, epilogue: program))
                } else {
                    store(plan.nodes[conv], try runNode(conv))
                    try runMembers(members)
                }
            case .pointwise(let root, let members, let program):
                guard values[root]!.elementType == .float, fits(program, dims[root], members: members, dims: dims) else {
                    try runMembers(members)
                    break
                }
                var result = values[root]!
                // The root's storage is reused when no later step reads it.
                if schedule.lastStep[root] == index { values[root] = nil }
                Pointwise.run(program, on: &result.values, dims: dims[root], executor: executor)
                store(plan.nodes[members.last!], GraphTensor(dims: dims[members.last!], values: result.values))
            }
            for id in schedule.releases[index] { values[id] = nil }
        }
        return plan.outputs.map { values[$0]! }
    }

    /// Whether a chain can run fused on a value of `rootDims`: every member keeps the root's dims,
    /// and per-channel constants match an N×C×H×W value's C.
    private func fits(
        _ program: PointwiseProgram, _ rootDims: [Int], members: [PipelinePlan.NodeID], dims: [[Int]]
    ) -> Bool {
        guard members.allSatisfy({ dims[$0] == rootDims }) else { return false }
        guard let channels = program.channels else { return true }
        return rootDims.count == 4 && rootDims[1] == channels
    }

    func compute(_ operation: NetworkOperation, _ x: [GraphTensor], outputDims: [Int]) throws(ShapeProblem) -> GraphTensor {
        switch operation {
        case .unary(let function):
            return Elementwise.map(x[0], function)
        case .clip:
            // Bounds as inputs: the first one after X is min when present (the node says which).
            guard case .clip(let hasMin, let hasMax) = operation else { preconditionFailure() }
            let low = hasMin ? x[1].values[0] : nil
            let high = hasMax ? x[hasMin ? 2 : 1].values[0] : nil
            return Elementwise.map(x[0], .clip(min: low, max: high))
        case .binary(let function):
            var result = x[0]
            for other in x.dropFirst() { result = Elementwise.binary(function, result, other) }
            if x.count == 1 { result = x[0] }
            return result
        case .select:
            return Elementwise.select(x[0], x[1], x[2], dims: outputDims)
        case .cast(let type):
            return Elementwise.cast(x[0], to: type)
        case .castLike:
            return Elementwise.cast(x[0], to: x[1].elementType)
        case .reshape, .flatten, .unsqueeze, .squeeze:
            return GraphTensor(dims: outputDims, values: x[0].values, elementType: x[0].elementType)
        case .shape:
            return GraphTensor(dims: [x[0].dims.count], values: x[0].dims.map(Float.init), elementType: .int64)
        case .concat(let axis):
            return Elementwise.concat(x, axis: axis < 0 ? axis + x[0].dims.count : axis, dims: outputDims)
        case .batchNormalization(let epsilon, let momentum, let training, let output):
            return Normalization.batch(
                x[0], scale: x[1], bias: x[2], mean: x[3], variance: x[4], epsilon: epsilon, momentum: momentum,
                training: training, output: output)
        case .conv, .convTranspose, .pool, .globalPool, .resize:
            return try SpatialOperators.compute(operation, x, outputDims: outputDims, executor: executor)
        }
    }
}

/// A PointwiseProgram over a whole N-D value, plane by plane (channel c of image n for N×C×…
/// values), the planes spread over the workers.
enum Pointwise {
    static func run(_ program: PointwiseProgram, on values: inout [Float], dims: [Int], executor: Executor) {
        let channels = dims.count >= 2 ? dims[1] : 1
        let plane = dims.count >= 2 ? dims.dropFirst(2).reduce(1, *) : values.count
        let count = values.count
        let planes = plane == 0 ? 0 : count / plane
        values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let target = SendablePointer(base: base)
            // Small values run on the caller: a plane of a few thousand values costs less than a hand-off.
            let tasks = count < 1 << 16 ? 1 : min(planes, 4 * executor.workers)
            let perTask = (planes + tasks - 1) / max(tasks, 1)
            let work = { @Sendable (task: Int) in
                for p in (task * perTask)..<min(planes, (task + 1) * perTask) {
                    program.apply(to: target.base + p * plane, count: plane, channel: p % channels)
                }
            }
            if tasks <= 1 { work(0) } else { executor.forEach(tasks, work) }
        }
    }
}

/// Element-wise operations on N-D tensors with numpy broadcasting.
enum Elementwise {
    static func map(_ x: GraphTensor, _ function: UnaryFunction) -> GraphTensor {
        var result = x
        result.values.withUnsafeMutableBufferPointer { values in
            switch function {
            case .identity: break
            case .relu: for i in values.indices { values[i] = max(values[i], 0) }
            default: for i in values.indices { values[i] = function.apply(values[i]) }
            }
        }
        return result
    }

    static func cast(_ x: GraphTensor, to type: GraphElementType) -> GraphTensor {
        GraphTensor(dims: x.dims, values: type == .float ? x.values : x.values.map(type.convert), elementType: type)
    }

    /// `a ∘ b` broadcast; comparisons give booleans, other results keep `a`'s type.
    static func binary(_ function: BinaryFunction, _ a: GraphTensor, _ b: GraphTensor) -> GraphTensor {
        let dims = Broadcast.dims(a.dims, b.dims)!
        let type: GraphElementType = function.isComparison ? .bool : a.elementType
        let count = dims.reduce(1, *)
        let walk = BroadcastWalk(output: dims, inputs: [a.dims, b.dims])
        let values = [Float](unsafeUninitializedCapacity: count) { out, initialized in
            a.values.withUnsafeBufferPointer { pa in
                b.values.withUnsafeBufferPointer { pb in
                    walk.forEachRow { outBase, bases, strides, length in
                        let o = out.baseAddress! + outBase
                        let x = pa.baseAddress! + bases[0], y = pb.baseAddress! + bases[1]
                        let sx = strides[0], sy = strides[1]
                        switch (function, sx, sy) {
                        case (.add, 1, 1): for i in 0..<length { o[i] = x[i] + y[i] }
                        case (.add, 1, 0): for i in 0..<length { o[i] = x[i] + y[0] }
                        case (.mul, 1, 1): for i in 0..<length { o[i] = x[i] * y[i] }
                        case (.mul, 1, 0): for i in 0..<length { o[i] = x[i] * y[0] }
                        case (.sub, 1, 1): for i in 0..<length { o[i] = x[i] - y[i] }
                        case (.div, 1, 1): for i in 0..<length { o[i] = x[i] / y[i] }
                        case (.div, 1, 0): for i in 0..<length { o[i] = x[i] / y[0] }
                        default: for i in 0..<length { o[i] = function.apply(x[i * sx], y[i * sy]) }
                        }
                    }
                }
            }
            initialized = count
        }
        return GraphTensor(dims: dims, values: type == .float ? values : values.map(type.convert), elementType: type)
    }

    /// condition ? a : b, all three broadcast to `dims`.
    static func select(_ condition: GraphTensor, _ a: GraphTensor, _ b: GraphTensor, dims: [Int]) -> GraphTensor {
        let count = dims.reduce(1, *)
        let walk = BroadcastWalk(output: dims, inputs: [condition.dims, a.dims, b.dims])
        var values = [Float](repeating: 0, count: count)
        walk.forEachRow { outBase, bases, strides, length in
            for i in 0..<length {
                let c = condition.values[bases[0] + i * strides[0]]
                values[outBase + i] = c != 0 ? a.values[bases[1] + i * strides[1]] : b.values[bases[2] + i * strides[2]]
            }
        }
        return GraphTensor(dims: dims, values: values, elementType: a.elementType)
    }

    /// The inputs joined along `axis`.
    static func concat(_ inputs: [GraphTensor], axis: Int, dims: [Int]) -> GraphTensor {
        let outer = dims.prefix(axis).reduce(1, *)
        let inner = dims.dropFirst(axis + 1).reduce(1, *)
        var values: [Float] = []
        values.reserveCapacity(dims.reduce(1, *))
        for o in 0..<outer {
            for input in inputs {
                let chunk = input.dims[axis] * inner
                values.append(contentsOf: input.values[o * chunk..<(o + 1) * chunk])
            }
        }
        return GraphTensor(dims: dims, values: values, elementType: inputs[0].elementType)
    }
}

/// Walks a broadcast output row by row (its last axis after merging axes that broadcast alike), giving
/// each input's offset of the row and its step along it (0: the input repeats one value).
struct BroadcastWalk {
    /// Output lengths after merging, equal rank for all.
    private let output: [Int]
    /// Per input, its element strides on the merged axes (0 where it broadcasts).
    private let strides: [[Int]]

    init(output dims: [Int], inputs: [[Int]]) {
        let rank = dims.count
        let padded = inputs.map { [Int](repeating: 1, count: rank - $0.count) + $0 }
        // Merge neighbouring axes when every input either spans both or repeats over both.
        var mergedOut: [Int] = []
        var mergedIn: [[Int]] = inputs.map { _ in [] }
        for axis in 0..<rank where dims[axis] != 1 {
            let full = padded.map { $0[axis] != 1 }
            if let last = mergedOut.indices.last,
                zip(mergedIn, full).allSatisfy({ ($0.0[last] != 1 || mergedOut[last] == 1) == $0.1 })
            {
                mergedOut[last] *= dims[axis]
                for i in mergedIn.indices { mergedIn[i][last] = full[i] ? mergedOut[last] : 1 }
            } else {
                mergedOut.append(dims[axis])
                for i in mergedIn.indices { mergedIn[i].append(full[i] ? dims[axis] : 1) }
            }
        }
        output = mergedOut
        strides = mergedIn.map { lengths in
            var result = [Int](repeating: 0, count: lengths.count)
            var step = 1
            for axis in lengths.indices.reversed() {
                result[axis] = lengths[axis] == 1 ? 0 : step
                step *= lengths[axis]
            }
            return result
        }
    }

    /// Calls `body(outputOffset, inputOffsets, inputSteps, length)` for every row of the output.
    func forEachRow(_ body: (Int, [Int], [Int], Int) -> Void) {
        let inputs = strides.count
        guard let length = output.last else {
            body(0, [Int](repeating: 0, count: inputs), [Int](repeating: 0, count: inputs), 1)
            return
        }
        let rank = output.count
        let steps = strides.map { $0[rank - 1] }
        let rows = output.dropLast().reduce(1, *)
        var index = [Int](repeating: 0, count: rank - 1)
        var bases = [Int](repeating: 0, count: inputs)
        for row in 0..<rows {
            body(row * length, bases, steps, length)
            // Odometer over the outer axes, moving each input's offset with it.
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                for i in 0..<inputs { bases[i] += strides[i][axis] }
                if index[axis] < output[axis] { break }
                for i in 0..<inputs { bases[i] -= strides[i][axis] * output[axis] }
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

/// BatchNormalization on N×C×… tensors.
enum Normalization {
    static func batch(
        _ x: GraphTensor, scale: GraphTensor, bias: GraphTensor, mean: GraphTensor, variance: GraphTensor,
        epsilon: Float, momentum: Float, training: Bool, output: Int
    ) -> GraphTensor {
        let channels = x.dims[1], batch = x.dims[0]
        let plane = x.dims.dropFirst(2).reduce(1, *)
        var useMean = mean.values, useVariance = variance.values
        if training {
            // The batch's own statistics over every axis but the channel one (population variance).
            for c in 0..<channels {
                var sum = 0.0, squares = 0.0
                for n in 0..<batch {
                    let base = (n * channels + c) * plane
                    for i in 0..<plane {
                        let v = Double(x.values[base + i])
                        sum += v
                        squares += v * v
                    }
                }
                let count = Double(batch * plane)
                let m = sum / count
                useMean[c] = Float(m)
                useVariance[c] = Float(max(0, squares / count - m * m))
            }
            if output == 1 {
                return GraphTensor(
                    dims: [channels], values: (0..<channels).map { mean.values[$0] * momentum + useMean[$0] * (1 - momentum) })
            }
            if output == 2 {
                return GraphTensor(
                    dims: [channels],
                    values: (0..<channels).map { variance.values[$0] * momentum + useVariance[$0] * (1 - momentum) })
            }
        }
        var values = x.values
        for n in 0..<batch {
            for c in 0..<channels {
                let base = (n * channels + c) * plane
                let m = useMean[c], inverse = 1 / (useVariance[c] + epsilon).squareRoot()
                let s = scale.values[c], b = bias.values[c]
                for i in 0..<plane { values[base + i] = (values[base + i] - m) * inverse * s + b }
            }
        }
        return GraphTensor(dims: x.dims, values: values)
    }
}
