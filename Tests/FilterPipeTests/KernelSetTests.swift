import Testing

@testable import FilterPipe

/// The instruction-set builds of the conv loops: each against an exact model of the documented
/// summation order (fused or not), the FMA sets against each other byte for byte, and every set
/// against the float64 oracle.
@Suite struct KernelSetTests {
    static let fusedSets = KernelSet.supported.filter { $0 != .baseline }

    /// out = bias + Σ_c Σ_i Σ_j w·in, one chain from 0 in that order, each step one fused
    /// multiply-add (`Float.addingProduct`) or a rounded product then a rounded sum.
    static func exactConv(_ conv: ConvSpec, _ input: Tensor, fused: Bool) -> [Float] {
        let s = conv.stride, d = conv.dilation, kh = conv.filters[0].kernelHeight, kw = conv.filters[0].kernelWidth
        let shape = input.shape
        let oh = (shape.height - d * (kh - 1) - 1) / s + 1, ow = (shape.width - d * (kw - 1) - 1) / s + 1
        var out: [Float] = []
        for filter in conv.filters {
            for y in 0..<oh {
                for x in 0..<ow {
                    var sum: Float = 0
                    for c in 0..<shape.channels {
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let w = filter.channels[c][i, j]
                                let v = input.values[(c * shape.height + y * s + i * d) * shape.width + x * s + j * d]
                                sum = fused ? sum.addingProduct(w, v) : sum + w * v
                            }
                        }
                    }
                    out.append(sum + filter.bias)
                }
            }
        }
        return out
    }

    static func randomMatrix(_ rows: Int, _ columns: Int, using rng: inout SeededGenerator) -> Matrix {
        Matrix(rows: rows, columns: columns, values: (0..<rows * columns).map { _ in Float.random(in: -1...1, using: &rng) })
    }

    /// Blocked (4 maps), single-map and strided loops, widths around every set's strip and lane counts.
    @Test(arguments: [(1, 1), (1, 2), (2, 1), (1, 3)], [1, 7, 8, 9, 16, 17, 33, 64, 65, 100, 130])
    func everyKernelSetFollowsTheDocumentedSummationOrderExactly(strideAndDilation: (Int, Int), width: Int) throws {
        var rng = SeededGenerator(seed: UInt64(width * 31 + strideAndDilation.0 * 7 + strideAndDilation.1))
        let filters = (0..<5).map { f in
            FilterSpec(name: "f\(f)", bias: 0.125, channels: (0..<3).map { _ in Self.randomMatrix(3, 3, using: &rng) })
        }
        let conv = ConvSpec(filters: filters, stride: strideAndDilation.0, dilation: strideAndDilation.1)
        let input = RandomPipelines.tensor(Shape(channels: 3, height: 10, width: width + 2 * strideAndDilation.1), using: &rng)
        let spec = PipelineSpec(input: .rgb, stages: [.conv(conv)])
        let fused = Self.exactConv(conv, input, fused: true).map(\.bitPattern)
        let unfused = Self.exactConv(conv, input, fused: false).map(\.bitPattern)
        #expect(fused != unfused, "the case should tell fused from unfused rounding")
        for set in KernelSet.supported {
            let got = try Pipeline(spec: spec, kernels: set).run(input, executor: Executor(workers: 1))
            #expect(got.values.map(\.bitPattern) == (set == .baseline ? unfused : fused), "\(set.rawValue)")
        }
    }

    /// The separable route: a horizontal chain, then a vertical chain over its results, bias last.
    @Test(arguments: [3, 16, 40, 64, 71])
    func separableKernelFollowsTheTwoPassOrderExactlyOnEverySet(width: Int) throws {
        let line: [Float] = [0.1, 0.2, 0.4, 0.2, 0.1], column: [Float] = [0.3, -0.7, 1.1, 0.5, 0.25]
        let matrix = Matrix(rows: 5, columns: 5, values: column.flatMap { a in line.map { a * $0 } })
        let conv = ConvSpec(filters: [FilterSpec(name: "g", bias: 0.5, channels: [matrix])])
        let plan = Conv2D(spec: conv, inputChannels: 1)
        let separable = try #require(plan.groups.first?.separable)
        var rng = SeededGenerator(seed: UInt64(width))
        let input = RandomPipelines.tensor(Shape(channels: 1, height: 9, width: width + 4), using: &rng)
        let spec = PipelineSpec(input: .gray, stages: [.conv(conv)])
        for set in KernelSet.supported {
            var expected: [Float] = []
            let w = input.shape.width
            for y in 0..<5 {
                for x in 0..<width {
                    var sum: Float = 0
                    for i in 0..<5 {
                        var h: Float = 0
                        for j in 0..<5 {
                            let v = input.values[(y + i) * w + x + j]
                            h = set == .baseline ? h + separable.horizontal[j] * v : h.addingProduct(separable.horizontal[j], v)
                        }
                        sum = set == .baseline ? sum + separable.vertical[i] * h : sum.addingProduct(separable.vertical[i], h)
                    }
                    expected.append(sum + 0.5)
                }
            }
            let got = try Pipeline(spec: spec, kernels: set).run(input, executor: Executor(workers: 1))
            #expect(got.values.map(\.bitPattern) == expected.map(\.bitPattern), "\(set.rawValue)")
        }
    }

    /// Random pipelines (every stage option): the FMA sets give the same bytes, and every set,
    /// baseline included, stays within the float64 oracle's tolerance.
    @Test func fusedSetsAgreeByteForByteAndEverySetMatchesTheFloat64Reference() throws {
        var rng = SeededGenerator(seed: 0x15A_D15)
        var compared = 0, baselineDiffers = 0
        for index in 0..<120 {
            let testCase = RandomPipelines.randomCase(using: &rng)
            guard let expected = ReferencePipeline.run(testCase.spec.stages, on: testCase.input) else { continue }
            var outputs: [KernelSet: [UInt32]] = [:]
            for set in KernelSet.supported {
                let got = try Pipeline(spec: testCase.spec, kernels: set).run(testCase.input, executor: Executor(workers: 1))
                let comparison = ReferenceComparison(got, expected)
                #expect(comparison.passed, "\(set.rawValue), case \(index): \(comparison.firstFailure ?? "") — \(testCase)")
                outputs[set] = got.values.map(\.bitPattern)
            }
            for set in Self.fusedSets.dropFirst() {
                #expect(outputs[set] == outputs[Self.fusedSets[0]], "\(set.rawValue), case \(index) — \(testCase)")
            }
            if let baseline = outputs[.baseline], baseline != outputs[Self.fusedSets[0]] { baselineDiffers += 1 }
            compared += 1
        }
        print(
            "kernel sets \(KernelSet.supported.map(\.rawValue)): \(compared) pipelines, baseline not byte-identical in \(baselineDiffers)"
        )
        #expect(compared > 60)
    }

    /// Ties between +0 and −0, NaN in either operand, infinities: every set keeps what
    /// `b >= a ? b : a` keeps, in the order top-left, top-right, bottom-left, bottom-right.
    @Test func maxPoolGivesTheSameBitsOnEverySetIncludingNaNAndSignedZeros() {
        let specials: [Float] = [0, -0.0, .nan, -.nan, .infinity, -.infinity, 1, -1, 0.5, .leastNonzeroMagnitude]
        var rng = SeededGenerator(seed: 11)
        for width in [1, 2, 7, 16, 31, 32, 33, 64, 129, 300] {
            let top = (0..<width).map { _ in specials.randomElement(using: &rng)! }
            let bottom = (0..<width).map { _ in specials.randomElement(using: &rng)! }
            func larger(_ a: Float, _ b: Float) -> Float { b >= a ? b : a }
            let expected = (0..<width / 2).map {
                larger(larger(larger(top[2 * $0], top[2 * $0 + 1]), bottom[2 * $0]), bottom[2 * $0 + 1]).bitPattern
            }
            for set in KernelSet.supported {
                var output = [Float](repeating: 7, count: width / 2 + 1)
                let count = top.withUnsafeBufferPointer { t in
                    bottom.withUnsafeBufferPointer { b in
                        output.withUnsafeMutableBufferPointer { o in
                            PoolKernels.max2x2(
                                top: t.baseAddress!, bottom: b.baseAddress!, inputWidth: width, output: o.baseAddress!,
                                outputWidth: width / 2 + 1, kernels: set)
                        }
                    }
                }
                #expect(count == width / 2)
                #expect(output.prefix(count).map(\.bitPattern) == expected, "\(set.rawValue), width \(width)")
                #expect(output[count] == 7, "wrote past the count")
            }
        }
    }

    @Test func forcedSetsAreParsedAndUnsupportedOrUnknownOnesRefused() throws {
        #expect(try KernelSet.requested(nil) == nil)
        #expect(try KernelSet.requested("") == nil)
        #expect(try KernelSet.requested("baseline") == .baseline)
        #expect(throws: KernelSetError.self) { try KernelSet.requested("sse9") }
        for set in KernelSet.allCases where !KernelSet.supported.contains(set) {
            let error = #expect(throws: KernelSetError.self) { try KernelSet.requested(set.rawValue) }
            #expect(error?.description.contains("this CPU cannot run it") == true)
        }
        #expect(KernelSet.supported.last == .baseline)
        #if arch(x86_64)
            #expect(!KernelSet.supported.contains(.neon))
        #elseif arch(arm64)
            #expect(KernelSet.supported.first == .neon)
        #endif
    }
}
