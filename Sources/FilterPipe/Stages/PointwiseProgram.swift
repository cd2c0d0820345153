// A chain of element-wise network nodes as one pass over memory: value 0 is the chain's input,
// value k the result of instruction k − 1, the last value the chain's output. Each instruction is
// the float32 operation its node computes (NetworkOperation's UnaryFunction / BinaryFunction), in the
// node's order, so the chain gives bit-identical values to running its nodes one by one; only the
// intermediates never reach memory (they live in a chunk of scratch that stays in L1).

/// Element-wise operations on one tensor, fused.
struct PointwiseProgram: Sendable, Equatable {
    /// What an instruction reads.
    enum Operand: Sendable, Equatable {
        /// Value k of the chain (0: the input).
        case value(Int)
        /// One constant for every element.
        case scalar(Float)
        /// One constant per channel (a C×1×1 or 1×C×1×1 constant over an N×C×H×W value).
        case perChannel([Float])
    }

    enum Instruction: Sendable, Equatable {
        case unary(UnaryFunction, Int)
        case binary(BinaryFunction, Operand, Operand)
    }

    var instructions: [Instruction]

    /// The length of the per-channel constants (nil: there are none): the channel count the input
    /// must have.
    var channels: Int? {
        for case .binary(_, let a, let b) in instructions {
            for case .perChannel(let values) in [a, b] { return values.count }
        }
        return nil
    }

    /// Elements per chunk: every intermediate of a chunk stays in L1.
    private static let chunk = 256

    /// Runs the program in place on `count` values of channel `channel`.
    func apply(to values: UnsafeMutablePointer<Float>, count: Int, channel: Int) {
        let n = instructions.count
        guard n > 0 else { return }
        let chunk = Self.chunk
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, n - 1) * chunk) { scratch in
            var start = 0
            while start < count {
                let length = min(chunk, count - start)
                let io = values + start
                // The last instruction writes the chunk in place: every read of value 0 at index i
                // happens before the write at index i.
                func value(_ k: Int) -> UnsafeMutablePointer<Float> {
                    k == 0 || k == n ? io : scratch.baseAddress! + (k - 1) * chunk
                }
                for (index, instruction) in instructions.enumerated() {
                    let out = value(index + 1)
                    switch instruction {
                    case .unary(let function, let source):
                        Self.unary(function, value(source), out, length)
                    case .binary(let function, let a, let b):
                        switch (a, b) {
                        case (.value(let x), .value(let y)):
                            Self.binary(function, value(x), value(y), out, length)
                        case (.value(let x), _):
                            Self.binary(function, value(x), constant: b.constant(channel), out, length)
                        case (_, .value(let y)):
                            Self.binary(function, constant: a.constant(channel), value(y), out, length)
                        default:
                            let result = function.apply(a.constant(channel), b.constant(channel))
                            out.update(repeating: result, count: length)
                        }
                    }
                }
                start += length
            }
        }
    }

    @inline(__always)
    private static func unary(
        _ function: UnaryFunction, _ x: UnsafeMutablePointer<Float>, _ o: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        switch function {
        case .identity: if o != x { o.update(from: x, count: n) }
        case .relu: for i in 0..<n { o[i] = max(x[i], 0) }
        case .clip(let low, let high):
            let lo = low ?? -.infinity, hi = high ?? .infinity
            for i in 0..<n { o[i] = min(max(x[i], lo), hi) }
        case .hardSigmoid(let alpha, let beta): for i in 0..<n { o[i] = max(0, min(1, alpha * x[i] + beta)) }
        default: for i in 0..<n { o[i] = function.apply(x[i]) }
        }
    }

    @inline(__always)
    private static func binary(
        _ function: BinaryFunction, _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        _ o: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        switch function {
        case .add: for i in 0..<n { o[i] = x[i] + y[i] }
        case .sub: for i in 0..<n { o[i] = x[i] - y[i] }
        case .mul: for i in 0..<n { o[i] = x[i] * y[i] }
        case .div: for i in 0..<n { o[i] = x[i] / y[i] }
        default: for i in 0..<n { o[i] = function.apply(x[i], y[i]) }
        }
    }

    @inline(__always)
    private static func binary(
        _ function: BinaryFunction, _ x: UnsafeMutablePointer<Float>, constant c: Float, _ o: UnsafeMutablePointer<Float>,
        _ n: Int
    ) {
        switch function {
        case .add: for i in 0..<n { o[i] = x[i] + c }
        case .sub: for i in 0..<n { o[i] = x[i] - c }
        case .mul: for i in 0..<n { o[i] = x[i] * c }
        case .div: for i in 0..<n { o[i] = x[i] / c }
        default: for i in 0..<n { o[i] = function.apply(x[i], c) }
        }
    }

    @inline(__always)
    private static func binary(
        _ function: BinaryFunction, constant c: Float, _ y: UnsafeMutablePointer<Float>, _ o: UnsafeMutablePointer<Float>,
        _ n: Int
    ) {
        switch function {
        case .add: for i in 0..<n { o[i] = c + y[i] }
        case .sub: for i in 0..<n { o[i] = c - y[i] }
        case .mul: for i in 0..<n { o[i] = c * y[i] }
        case .div: for i in 0..<n { o[i] = c / y[i] }
        default: for i in 0..<n { o[i] = function.apply(c, y[i]) }
        }
    }
}

extension PointwiseProgram.Operand {
    /// A constant operand's value for `channel`.
    @inline(__always)
    fileprivate func constant(_ channel: Int) -> Float {
        switch self {
        case .scalar(let v): v
        case .perChannel(let values): values[channel]
        case .value: preconditionFailure("not a constant")
        }
    }
}
