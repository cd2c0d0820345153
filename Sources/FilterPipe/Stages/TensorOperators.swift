// Element-wise network operators on CHW tensors (one image; the caller loops over the batch):
//   activation   out = f(in) for each `Activation` (ActivationStage's loops)
//   affine       out[c] = in[c] · a[c] + b[c]       (BatchNormalization without a conv before it)
//   binary       out[c, y, x] = a[c', y', x'] ∘ b[c'', y'', x''], each operand's axis of length 1
//                broadcast (index 0) or of the output's length (ONNX/numpy broadcasting over C, H, W)
//   concat       the inputs' channels one after another
// Work splits over the executor's workers by channel.

/// The broadcast binary functions (ONNX Add, Sub, Mul, Div, PRelu, Max, Min).
public enum ElementwiseFunction: String, Sendable, CaseIterable {
    case add, sub, mul, div
    /// a < 0 ? b · a : a (b is the slope).
    case prelu
    case max, min

    @inline(__always)
    func apply(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .add: a + b
        case .sub: a - b
        case .mul: a * b
        case .div: a / b
        case .prelu: a < 0 ? b * a : a
        case .max: Swift.max(a, b)
        case .min: Swift.min(a, b)
        }
    }
}

/// The element-wise operators.
public enum TensorOperators {
    /// `activations` applied in order to every value of `input`.
    public static func activate(_ input: Tensor, _ activations: [Activation], executor: Executor = Executor()) -> Tensor {
        let stages = activations.map(ActivationStage.init)
        return perChannel(input.shape, executor: executor) { c, target in
            input.values.withUnsafeBufferPointer { source in
                target.update(from: source.baseAddress! + c * input.shape.planeCount, count: input.shape.planeCount)
            }
            for stage in stages { stage.apply(to: target, count: input.shape.planeCount) }
        }
    }

    /// `out[c] = in[c] · multiplier[c] + offset[c]` (a standalone BatchNormalization: see
    /// `BatchNormalization.affine`).
    public static func affine(
        _ input: Tensor, multiplier: [Float], offset: [Float], executor: Executor = Executor()
    ) throws(OperatorError) -> Tensor {
        guard multiplier.count == input.channels, offset.count == input.channels else {
            throw OperatorError(
                "a per-channel affine of \(multiplier.count) multipliers and \(offset.count) offsets cannot run on \(input.shape)"
            )
        }
        return perChannel(input.shape, executor: executor) { c, target in
            let a = multiplier[c], b = offset[c], n = input.shape.planeCount
            input.values.withUnsafeBufferPointer { source in
                let plane = source.baseAddress! + c * n
                for i in 0..<n { target[i] = plane[i] * a + b }
            }
        }
    }

    /// The shape `a` and `b` broadcast to (each axis equal, or 1 on one side), or nil.
    public static func broadcastShape(_ a: Shape, _ b: Shape) -> Shape? {
        func axis(_ x: Int, _ y: Int) -> Int? { x == y ? x : x == 1 ? y : y == 1 ? x : nil }
        guard let c = axis(a.channels, b.channels), let h = axis(a.height, b.height), let w = axis(a.width, b.width)
        else { return nil }
        return Shape(channels: c, height: h, width: w)
    }

    /// `function(a, b)` with ONNX broadcasting over C, H and W: same-shape, per-channel (C, 1, 1),
    /// scalar (1, 1, 1) or any mix of 1 and full length on each axis, on either side. A lower-rank
    /// ONNX operand is aligned at the end first (the caller's job: (C,1,1) stays (C,1,1); a 1-D (W)
    /// is (1,1,W)).
    public static func binary(
        _ function: ElementwiseFunction, _ a: Tensor, _ b: Tensor, executor: Executor = Executor()
    ) throws(OperatorError) -> Tensor {
        guard let shape = broadcastShape(a.shape, b.shape) else {
            throw OperatorError("\(function.rawValue) cannot broadcast \(a.shape) with \(b.shape)")
        }
        let w = shape.width
        return perChannel(shape, executor: executor) { c, target in
            a.values.withUnsafeBufferPointer { av in
                b.values.withUnsafeBufferPointer { bv in
                    let aPlane = av.baseAddress! + (a.channels == 1 ? 0 : c) * a.shape.planeCount
                    let bPlane = bv.baseAddress! + (b.channels == 1 ? 0 : c) * b.shape.planeCount
                    for y in 0..<shape.height {
                        let aRow = aPlane + (a.height == 1 ? 0 : y) * a.width
                        let bRow = bPlane + (b.height == 1 ? 0 : y) * b.width
                        let out = target + y * w
                        switch (a.width == w, b.width == w) {
                        case (true, true): for x in 0..<w { out[x] = function.apply(aRow[x], bRow[x]) }
                        case (true, false):
                            let s = bRow[0]
                            for x in 0..<w { out[x] = function.apply(aRow[x], s) }
                        case (false, true):
                            let s = aRow[0]
                            for x in 0..<w { out[x] = function.apply(s, bRow[x]) }
                        case (false, false):
                            let s = function.apply(aRow[0], bRow[0])
                            for x in 0..<w { out[x] = s }
                        }
                    }
                }
            }
        }
    }

    /// PRelu: `x < 0 ? slope · x : x`, the slope scalar, per channel (C, 1, 1) or any broadcastable shape.
    public static func prelu(_ input: Tensor, slope: Tensor, executor: Executor = Executor()) throws(OperatorError)
        -> Tensor
    {
        guard let shape = broadcastShape(input.shape, slope.shape), shape == input.shape else {
            throw OperatorError("PRelu's slope \(slope.shape) does not broadcast to \(input.shape)")
        }
        return try binary(.prelu, input, slope, executor: executor)
    }

    /// The inputs' channels one after another (ONNX Concat on axis 1); heights and widths must match.
    public static func concatChannels(_ inputs: [Tensor]) throws(OperatorError) -> Tensor {
        guard let first = inputs.first else { throw OperatorError("Concat needs at least one input") }
        for input in inputs where input.height != first.height || input.width != first.width {
            throw OperatorError(
                "Concat on channels needs one height and width, got \(inputs.map(\.shape.description).joined(separator: ", "))")
        }
        var values: [Float] = []
        values.reserveCapacity(inputs.reduce(0) { $0 + $1.values.count })
        for input in inputs { values += input.values }
        return Tensor(
            shape: Shape(channels: inputs.reduce(0) { $0 + $1.channels }, height: first.height, width: first.width),
            values: values)
    }

    /// GlobalMaxPool / GlobalAveragePool: one value per channel, a (C, 1, 1) tensor. The average sums
    /// in Float64 (row order), rounded once.
    public static func globalPool(_ kind: PoolKind, _ input: Tensor) -> Tensor {
        let n = input.shape.planeCount
        let values = (0..<input.channels).map { c -> Float in
            let plane = input.values[c * n..<(c + 1) * n]
            switch kind {
            case .max: return plane.reduce(-Float.infinity) { $1 >= $0 ? $1 : $0 }
            case .average: return Float(plane.reduce(0.0) { $0 + Double($1) } / Double(n))
            }
        }
        return Tensor(shape: Shape(channels: input.channels, height: 1, width: 1), values: values)
    }

    /// A tensor of `shape` whose channel planes are written by `body(c, plane)`, channels spread
    /// over the workers.
    static func perChannel(
        _ shape: Shape, executor: Executor, _ body: @Sendable (Int, UnsafeMutablePointer<Float>) -> Void
    ) -> Tensor {
        let block = max(1, shape.channels / (4 * executor.workers))
        return executor.fillTiles(shape: shape, channelBlock: block, rowBand: shape.height) { channels, _, output in
            for c in channels { body(c, output + c * shape.planeCount) }
        }
    }
}
