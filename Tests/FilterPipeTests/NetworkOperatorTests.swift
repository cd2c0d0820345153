import Foundation
import Testing

@testable import FilterPipe

/// A conv case: input C×H×W, F filters of KH×KW, group, strides, dilations, pads [t, l, b, r].
struct ConvCase: Sendable, CustomStringConvertible {
    var c: Int, h: Int, w: Int, f: Int, kh: Int, kw: Int
    var group = 1
    var strides = (1, 1)
    var dilations = (1, 1)
    var pads = [0, 0, 0, 0]
    var bias = true
    var description: String {
        "\(c)×\(h)×\(w) F\(f) \(kh)×\(kw) g\(group) s\(strides) d\(dilations) p\(pads)"
    }
}

/// The network operators against the float64 oracles in Reference/OperatorReference.swift.
/// Tolerance: float32 sums of n products of values in -1..1 are within n·2⁻²⁴·n of the exact sum,
/// so conv-like ops allow 1e-6·n + 1e-6 absolute (n = terms per output value).
@Suite struct NetworkOperatorTests {
    static let convCases: [ConvCase] = [
        ConvCase(c: 3, h: 9, w: 11, f: 5, kh: 3, kw: 3, pads: [1, 1, 1, 1]),
        ConvCase(c: 4, h: 10, w: 13, f: 6, kh: 3, kw: 3, group: 2, pads: [0, 1, 2, 0]),
        ConvCase(c: 8, h: 12, w: 12, f: 8, kh: 3, kw: 3, group: 8, pads: [1, 1, 1, 1]),  // depthwise
        ConvCase(c: 8, h: 12, w: 15, f: 16, kh: 3, kw: 3, group: 8, pads: [1, 1, 1, 1]),  // multiplier 2
        ConvCase(c: 16, h: 17, w: 19, f: 16, kh: 3, kw: 3, group: 16, strides: (2, 2), pads: [1, 1, 1, 1]),
        ConvCase(c: 16, h: 20, w: 21, f: 16, kh: 5, kw: 5, group: 16, pads: [2, 2, 2, 2]),
        ConvCase(c: 16, h: 20, w: 21, f: 16, kh: 5, kw: 5, group: 16, strides: (2, 2), pads: [2, 2, 2, 2]),
        ConvCase(c: 32, h: 7, w: 40, f: 24, kh: 1, kw: 1, bias: false),  // pointwise
        ConvCase(c: 3, h: 15, w: 14, f: 4, kh: 3, kw: 3, dilations: (2, 2), pads: [2, 0, 1, 3]),
        ConvCase(c: 2, h: 11, w: 12, f: 3, kh: 3, kw: 2, strides: (2, 1), pads: [1, 0, 0, 1]),  // direct loop
        ConvCase(c: 2, h: 11, w: 12, f: 2, kh: 2, kw: 3, group: 2, dilations: (1, 3), pads: [0, 2, 1, 1]),
        ConvCase(c: 6, h: 9, w: 9, f: 3, kh: 3, kw: 3, group: 3, strides: (3, 3), pads: [0, 0, 2, 2]),
        ConvCase(c: 1, h: 5, w: 5, f: 2, kh: 5, kw: 5),
        // Pointwise convs run on reshaped planes: one row, 1024-wide rows, a plane with no 64-multiple divisor.
        ConvCase(c: 5, h: 64, w: 80, f: 9, kh: 1, kw: 1),
        ConvCase(c: 3, h: 65, w: 67, f: 4, kh: 1, kw: 1),
        // Strided depthwise (StridedDepthwise): unequal strides, dilations, asymmetric pads.
        ConvCase(c: 4, h: 13, w: 17, f: 4, kh: 3, kw: 3, group: 4, strides: (1, 2), dilations: (2, 2), pads: [2, 0, 1, 3]),
        ConvCase(c: 3, h: 14, w: 19, f: 3, kh: 3, kw: 2, group: 3, strides: (3, 3), dilations: (1, 2), pads: [0, 2, 1, 1]),
        ConvCase(c: 5, h: 9, w: 9, f: 5, kh: 5, kw: 5, group: 5, strides: (2, 2), pads: [2, 2, 2, 2], bias: false),
    ]

    func runConv(_ t: ConvCase, activations: [Activation] = []) throws -> (Tensor, RefTensor) {
        let x = RefTensor.random(c: t.c, h: t.h, w: t.w, seed: 11)
        let w = randomWeights(t.f * (t.c / t.group) * t.kh * t.kw, seed: 12)
        let bias = t.bias ? randomWeights(t.f, seed: 13) : nil
        let op = try ConvolutionOperator(
            weights: w, weightShape: [t.f, t.c / t.group, t.kh, t.kw], bias: bias, inputChannels: t.c,
            group: t.group, strides: t.strides, dilations: t.dilations, pads: ConvPads(onnx: t.pads),
            activations: activations)
        let want = OperatorReference.conv(
            x, w: w, f: t.f, kh: t.kh, kw: t.kw, bias: bias, group: t.group, strides: t.strides,
            dilations: t.dilations, pads: t.pads)
        return (try op.run(x.tensor, executor: Executor(workers: 2)), want)
    }

    @Test(arguments: convCases)
    func convMatchesTheONNXFormula(_ t: ConvCase) throws {
        let (got, want) = try runConv(t)
        let terms = Double(t.c / t.group * t.kh * t.kw)
        #expect(maxError(got, want) <= 1e-6 * terms + 1e-6, "\(t)")
    }

    @Test(arguments: [Activation.relu, .hardSwish, .clip(min: 0, max: 6), .sigmoid])
    func convFusesTheActivationAfterIt(_ activation: Activation) throws {
        for t in [Self.convCases[2], Self.convCases[4], Self.convCases[9], Self.convCases[13], Self.convCases[15]] {
            let (got, raw) = try runConv(t, activations: [activation])
            var want = raw
            want.v = raw.v.map { OperatorReference.activation(activation, $0) }
            #expect(maxError(got, want) <= 1e-6 * Double(t.c / t.group * t.kh * t.kw) + 1e-6, "\(t) \(activation)")
        }
    }

    @Test(arguments: [(400, 400), (4096, 4096), (25600, 1024), (5120, 1024), (6400, 640), (4355, 4355), (4160, 832)])
    func pointwiseConvRowsFillTheEngineStrips(planeCount: Int, width: Int) {
        #expect(ConvolutionOperator.pointwiseRowWidth(planeCount) == width)
    }

    @Test func convRejectsWeightsThatDoNotFitTheGroup() {
        #expect(throws: OperatorError.self) {
            try ConvolutionOperator(
                weights: [Float](repeating: 0, count: 4 * 3 * 9), weightShape: [4, 3, 3, 3], inputChannels: 6, group: 3)
        }
        #expect(throws: OperatorError.self) {
            try ConvolutionOperator(weights: [0, 0], weightShape: [1, 1, 1, 1], inputChannels: 1)
        }
    }

    /// auto_pad from the ONNX spec: SAME output ⌈L/S⌉, total = (out − 1)·S + D·(K − 1) + 1 − L.
    @Test(arguments: [
        (WindowPadding.sameUpper, 7, 3, 1, 1, ConvPads(top: 1, left: 1, bottom: 1, right: 1)),
        (.sameUpper, 8, 3, 2, 1, ConvPads(top: 0, left: 0, bottom: 1, right: 1)),
        (.sameLower, 8, 3, 2, 1, ConvPads(top: 1, left: 1, bottom: 0, right: 0)),
        (.sameUpper, 6, 4, 1, 1, ConvPads(top: 1, left: 1, bottom: 2, right: 2)),
        (.sameLower, 6, 4, 1, 1, ConvPads(top: 2, left: 2, bottom: 1, right: 1)),
        (.sameUpper, 5, 3, 1, 2, ConvPads(top: 2, left: 2, bottom: 2, right: 2)),
        (.sameUpper, 9, 1, 2, 1, ConvPads.zero),
        (.valid, 9, 3, 2, 1, ConvPads.zero),
    ])
    func autoPadResolvesAsTheSpecSays(mode: WindowPadding, length: Int, k: Int, s: Int, d: Int, want: ConvPads) {
        let got = mode.resolve(height: length, width: length, kernel: (k, k), strides: (s, s), dilations: (d, d))
        #expect(got == want)
    }

    @Test func batchNormalizationFoldsIntoTheConvBefore() throws {
        let t = ConvCase(c: 4, h: 8, w: 9, f: 6, kh: 3, kw: 3, group: 2, pads: [1, 1, 1, 1])
        let x = RefTensor.random(c: t.c, h: t.h, w: t.w, seed: 21)
        let w = randomWeights(6 * 2 * 9, seed: 22), b = randomWeights(6, seed: 23)
        let scale = randomWeights(6, seed: 24), beta = randomWeights(6, seed: 25), mean = randomWeights(6, seed: 26)
        let variance = randomWeights(6, seed: 27).map { $0 * $0 + 0.1 }
        let folded = try BatchNormalization.fold(
            weights: w, convBias: b, filterCount: 6, scale: scale, bias: beta, mean: mean, variance: variance,
            epsilon: 1e-3)
        let op = try ConvolutionOperator(
            weights: folded.weights, weightShape: [6, 2, 3, 3], bias: folded.bias, inputChannels: 4, group: 2,
            pads: ConvPads(onnx: t.pads))
        var want = OperatorReference.conv(
            x, w: w, f: 6, kh: 3, kw: 3, bias: b, group: 2, strides: (1, 1), dilations: (1, 1), pads: t.pads)
        let plane = want.h * want.w
        for f in 0..<6 {
            let d = (Double(variance[f]) + 1e-3).squareRoot()
            for n in 0..<plane {
                want.v[f * plane + n] = (want.v[f * plane + n] - Double(mean[f])) / d * Double(scale[f]) + Double(beta[f])
            }
        }
        // |scale| / √(var + ε) ≤ 1/√0.1 ≈ 3.2 scales the conv's error.
        #expect(maxError(try op.run(x.tensor), want) <= 4 * (1e-6 * 18 + 1e-6))

        let affine = try BatchNormalization.affine(scale: scale, bias: beta, mean: mean, variance: variance, epsilon: 1e-3)
        let y = RefTensor.random(c: 6, h: 3, w: 5, seed: 28)
        var wantAffine = y
        for f in 0..<6 {
            for n in 0..<15 {
                let d = (Double(variance[f]) + 1e-3).squareRoot()
                wantAffine.v[f * 15 + n] = (y.v[f * 15 + n] - Double(mean[f])) / d * Double(scale[f]) + Double(beta[f])
            }
        }
        let got = try TensorOperators.affine(y.tensor, multiplier: affine.multiplier, offset: affine.offset)
        #expect(maxError(got, wantAffine) <= 1e-5)
    }

    @Test(arguments: [
        Activation.relu, .leakyReLU(slope: 0.01), .clip(min: -0.5, max: 0.25), .clip(min: 0, max: .infinity),
        .sigmoid, .tanh, .hardSigmoid(alpha: 0.2, beta: 0.5), .hardSigmoid(alpha: 1.0 / 6, beta: 0.5), .hardSwish,
        .elu(alpha: 1), .elu(alpha: 0.5),
    ])
    func activationMatchesTheONNXDefinition(_ activation: Activation) {
        let x = RefTensor.random(c: 3, h: 4, w: 7, seed: 31)
        var scaled = x
        scaled.v = x.v.map { $0 * 8 }  // -8..8 reaches every piece of the piecewise ones
        var want = scaled
        want.v = scaled.v.map { OperatorReference.activation(activation, $0) }
        let got = TensorOperators.activate(scaled.tensor, [activation])
        #expect(maxError(got, want) <= 1e-6 * 8, "\(activation)")
    }

    /// Operand shapes as (C, H, W): same shape, per channel, scalar, row, column, and mixes on either side.
    @Test(arguments: [
        ((4, 5, 6), (4, 5, 6)), ((4, 5, 6), (4, 1, 1)), ((4, 5, 6), (1, 1, 1)), ((1, 1, 1), (4, 5, 6)),
        ((4, 5, 6), (1, 1, 6)), ((4, 5, 6), (1, 5, 1)), ((4, 1, 6), (1, 5, 1)), ((4, 1, 1), (4, 5, 6)),
        ((1, 5, 6), (4, 5, 6)),
    ])
    func binaryOpsBroadcastLikeNumpy(a: (Int, Int, Int), b: (Int, Int, Int)) throws {
        let x = RefTensor.random(c: a.0, h: a.1, w: a.2, seed: 41)
        var y = RefTensor.random(c: b.0, h: b.1, w: b.2, seed: 42)
        y.v = y.v.map { $0 + ($0 < 0 ? -0.5 : 0.5) }  // away from 0 for Div
        let shape = (max(a.0, b.0), max(a.1, b.1), max(a.2, b.2))
        for function in ElementwiseFunction.allCases {
            var want = RefTensor(c: shape.0, h: shape.1, w: shape.2)
            for c in 0..<shape.0 {
                for i in 0..<shape.1 {
                    for j in 0..<shape.2 {
                        let p = x[a.0 == 1 ? 0 : c, a.1 == 1 ? 0 : i, a.2 == 1 ? 0 : j]
                        let q = y[b.0 == 1 ? 0 : c, b.1 == 1 ? 0 : i, b.2 == 1 ? 0 : j]
                        want[c, i, j] =
                            switch function {
                            case .add: p + q
                            case .sub: p - q
                            case .mul: p * q
                            case .div: p / q
                            case .prelu: p < 0 ? q * p : p
                            case .max: Swift.max(p, q)
                            case .min: Swift.min(p, q)
                            }
                    }
                }
            }
            let got = try TensorOperators.binary(function, x.tensor, y.tensor)
            // One float32 rounding of values below 2 in magnitude (Div: below 2/0.5 = 4).
            #expect(maxError(got, want) <= 4e-7 * 4, "\(function) \(a) \(b)")
        }
    }

    @Test func binaryRejectsShapesThatDoNotBroadcast() {
        let a = Tensor(shape: Shape(channels: 4, height: 5, width: 6)), b = Tensor(shape: Shape(channels: 3, height: 1, width: 1))
        #expect(throws: OperatorError.self) { try TensorOperators.binary(.add, a, b) }
        #expect(throws: OperatorError.self) { try TensorOperators.prelu(b, slope: a) }
    }

    @Test func preluTakesAPerChannelSlope() throws {
        let x = RefTensor.random(c: 3, h: 4, w: 5, seed: 51)
        let slope = Tensor(shape: Shape(channels: 3, height: 1, width: 1), values: [0.1, -2, 0.5])
        let got = try TensorOperators.prelu(x.tensor, slope: slope)
        var want = x
        for c in 0..<3 {
            for n in 0..<20 { let v = x.v[c * 20 + n]; want.v[c * 20 + n] = v < 0 ? Double(slope.values[c]) * v : v }
        }
        #expect(maxError(got, want) <= 1e-7)
    }

    @Test func concatStacksChannelsInOrder() throws {
        let a = RefTensor.random(c: 2, h: 3, w: 4, seed: 61), b = RefTensor.random(c: 3, h: 3, w: 4, seed: 62)
        let got = try TensorOperators.concatChannels([a.tensor, b.tensor])
        #expect(got.shape == Shape(channels: 5, height: 3, width: 4))
        #expect(maxError(got, RefTensor(c: 5, h: 3, w: 4, v: a.v + b.v)) == 0)
        #expect(throws: OperatorError.self) {
            try TensorOperators.concatChannels([a.tensor, RefTensor.random(c: 1, h: 2, w: 4, seed: 1).tensor])
        }
    }

    @Test func globalPoolsGiveOneValuePerChannel() {
        let x = RefTensor.random(c: 4, h: 7, w: 9, seed: 71)
        for kind in [PoolKind.max, .average] {
            let got = TensorOperators.globalPool(kind, x.tensor)
            let want = (0..<4).map { c -> Double in
                let plane = x.v[c * 63..<(c + 1) * 63]
                return kind == .max ? plane.max()! : plane.reduce(0, +) / 63
            }
            #expect(maxError(got, RefTensor(c: 4, h: 1, w: 1, v: want)) <= 1e-7)
        }
    }

    /// (max?, kernel, strides, dilations, pads [t, l, b, r], ceil_mode, count_include_pad) on 10×11.
    struct PoolCase: Sendable, CustomStringConvertible {
        var isMax: Bool, k: (Int, Int), s: (Int, Int), d = (1, 1), pads = [0, 0, 0, 0], ceil = false, include = false
        var h = 10, w = 11
        var description: String { "\(isMax ? "max" : "avg") k\(k) s\(s) d\(d) p\(pads) ceil=\(ceil) incl=\(include) \(h)×\(w)" }
    }

    @Test(arguments: [
        PoolCase(isMax: true, k: (2, 2), s: (2, 2)),
        PoolCase(isMax: true, k: (3, 3), s: (2, 2), pads: [1, 1, 1, 1]),
        PoolCase(isMax: true, k: (3, 3), s: (2, 2), ceil: true),
        PoolCase(isMax: true, k: (2, 2), s: (2, 2), pads: [1, 1, 1, 1], ceil: true),  // last window dropped
        PoolCase(isMax: true, k: (3, 2), s: (1, 2), d: (2, 2), pads: [0, 1, 2, 0]),
        PoolCase(isMax: false, k: (3, 3), s: (2, 2), pads: [1, 1, 1, 1]),
        PoolCase(isMax: false, k: (3, 3), s: (2, 2), pads: [1, 1, 1, 1], include: true),
        PoolCase(isMax: false, k: (3, 3), s: (2, 2), pads: [0, 1, 2, 0], ceil: true, include: true),
        PoolCase(isMax: false, k: (3, 3), s: (2, 2), ceil: true),
        PoolCase(isMax: false, k: (2, 3), s: (3, 2), d: (2, 1), pads: [1, 0, 1, 2], include: true),
        PoolCase(isMax: false, k: (3, 3), s: (3, 3), pads: [1, 1, 1, 1], ceil: true, include: true, h: 7, w: 8),
    ])
    func poolMatchesTheONNXRules(_ t: PoolCase) throws {
        let x = RefTensor.random(c: 3, h: t.h, w: t.w, seed: 81)
        let op = PoolOperator(
            kind: t.isMax ? .max : .average, kernelHeight: t.k.0, kernelWidth: t.k.1, strides: t.s, dilations: t.d,
            pads: ConvPads(onnx: t.pads), ceilMode: t.ceil, countIncludePad: t.include)
        let want = OperatorReference.pool(
            x, max: t.isMax, k: t.k, strides: t.s, dilations: t.d, pads: t.pads, ceil: t.ceil, includePad: t.include)
        #expect(maxError(try op.run(x.tensor, executor: Executor(workers: 2)), want) <= 1e-6, "\(t)")
    }

    static let resizeCases: [(ResizeOperator.Mode, ResizeOperator.CoordinateTransformation, ResizeOperator.NearestMode)] =
        ResizeOperator.CoordinateTransformation.allCases.flatMap { transform in
            ResizeOperator.NearestMode.allCases.map { (.nearest, transform, $0) } + [(.linear, transform, .floor)]
        }

    @Test(arguments: resizeCases)
    func resizeMatchesTheONNXCoordinateRules(
        mode: ResizeOperator.Mode, transform: ResizeOperator.CoordinateTransformation, nearest: ResizeOperator.NearestMode
    ) throws {
        let x = RefTensor.random(c: 2, h: 5, w: 6, seed: 91)
        let op = ResizeOperator(mode: mode, coordinateTransformation: transform, nearestMode: nearest)
        for (sh, sw) in [(2.0, 2.0), (0.75, 1.5), (3.0, 0.5)] as [(Float, Float)] {
            let got = try op.run(x.tensor, scales: (sh, sw))
            let want = OperatorReference.resize(
                x, oh: Int(5 * Double(sh)), ow: Int(6 * Double(sw)), scales: (Double(sh), Double(sw)),
                linear: mode == .linear, transform: transform.rawValue, nearest: nearest.rawValue)
            #expect(maxError(got, want) <= 1e-6, "\(mode) \(transform) \(nearest) scales \(sh),\(sw)")
        }
        let sized = try op.run(x.tensor, height: 1, width: 9)
        let want = OperatorReference.resize(
            x, oh: 1, ow: 9, scales: (1.0 / 5, 9.0 / 6), linear: mode == .linear, transform: transform.rawValue,
            nearest: nearest.rawValue)
        #expect(maxError(sized, want) <= 1e-6, "\(mode) \(transform) \(nearest) sizes 1×9")
    }

    /// (C, H, W, F/group, kernel, group, strides, dilations, pads, output_padding).
    @Test(arguments: [
        (4, 5, 6, 3, (2, 2), 1, (2, 2), (1, 1), [0, 0, 0, 0], (0, 0)),  // the detector's upsampling
        (4, 3, 5, 2, (3, 2), 2, (3, 2), (1, 1), [0, 0, 0, 0], (0, 0)),  // kernel = stride, grouped
        (4, 5, 6, 2, (3, 3), 2, (2, 2), (1, 1), [1, 1, 1, 1], (1, 1)),
        (3, 4, 5, 2, (3, 2), 1, (1, 2), (2, 1), [0, 1, 2, 0], (0, 1)),
        (6, 4, 4, 1, (4, 4), 6, (2, 2), (1, 1), [1, 1, 1, 1], (0, 0)),
        (2, 3, 3, 3, (3, 3), 1, (3, 3), (2, 2), [2, 0, 1, 1], (2, 1)),
    ])
    func convTransposeMatchesTheONNXFormula(
        c: Int, h: Int, w: Int, fg: Int, k: (Int, Int), group: Int, s: (Int, Int), d: (Int, Int), pads: [Int],
        outputPadding: (Int, Int)
    ) throws {
        let x = RefTensor.random(c: c, h: h, w: w, seed: 101)
        let weights = randomWeights(c * fg * k.0 * k.1, seed: 102), bias = randomWeights(fg * group, seed: 103)
        let op = try ConvTransposeOperator(
            weights: weights, weightShape: [c, fg, k.0, k.1], bias: bias, group: group, strides: s, dilations: d,
            pads: ConvPads(onnx: pads), outputPadding: outputPadding)
        let want = OperatorReference.convTranspose(
            x, w: weights, fg: fg, kh: k.0, kw: k.1, bias: bias, group: group, strides: s, dilations: d, pads: pads,
            outputPadding: outputPadding)
        #expect(maxError(try op.run(x.tensor, executor: Executor(workers: 2)), want) <= 1e-6 * Double(c * k.0 * k.1) + 1e-6)
    }
}
