// Inner loops of Conv2D over a padded scratch band (see ConvGroup.swift for the formula and the
// fixed summation order: terms, then kernel rows, then kernel columns, from 0, bias last).
// Stride-1 loops compute whole 16-lane vectors even past the output width (the scratch band is wide
// enough) and store only the lanes inside, so every pixel runs the same instructions.

/// The convolution inner loops: vectorised along rows, blocked over maps.
enum ConvKernels {
    /// Output columns per step of the widest loop; scratch rows are rounded up to a multiple of it.
    static let stripWidth = 64

    /// What one group's loop reads and writes.
    struct Job {
        let scratch: UnsafePointer<Float>
        let layout: PaddedInput.Layout
        /// Scratch slot of each term.
        let slots: [Int]
        let kernelHeight: Int
        let kernelWidth: Int
        let stride: Int
        let dilation: Int
        let outputWidth: Int
        let outputRowStride: Int
        let rowCount: Int
    }

    /// Four maps × 64 columns per step: 16 accumulators; each input vector feeds four maps and each
    /// broadcast weight four vectors, so loads stay well below the multiply-adds.
    static func blocked(_ job: Job, weights: [Float], biases: [Float], outputs: [UnsafeMutablePointer<Float>?]) {
        let rowStride = job.layout.rowStride, slotStride = job.layout.slotStride
        let dilation = job.dilation, kernelHeight = job.kernelHeight, kernelWidth = job.kernelWidth
        weights.withUnsafeBufferPointer { weightBuffer in
            job.slots.withUnsafeBufferPointer { slots in
                let weightBase = weightBuffer.baseAddress!
                for r in 0..<job.rowCount {
                    var x = 0
                    while x < job.outputWidth {
                        var a = Accumulators()
                        var w = weightBase
                        for slot in slots {
                            let termRow = job.scratch + slot * slotStride + r * rowStride + x
                            for i in 0..<kernelHeight {
                                let kernelRow = termRow + i * dilation * rowStride
                                for j in 0..<kernelWidth {
                                    a.accumulate(kernelRow + j * dilation, weights: w)
                                    w += ConvGroup.blockSize
                                }
                            }
                        }
                        let n = job.outputWidth - x, offset = r * job.outputRowStride + x
                        for k in 0..<ConvGroup.blockSize {
                            guard let o = outputs[k] else { continue }
                            let bias = FloatVector(repeating: biases[k])
                            let (v0, v1, v2, v3) = a.map(k)
                            storePair(v0 + bias, v1 + bias, to: o + offset, count: n)
                            if n > 32 { storePair(v2 + bias, v3 + bias, to: o + offset + 32, count: n - 32) }
                        }
                        x += 64
                    }
                }
            }
        }
    }

    /// The 4 maps × 4 vectors of `blocked`, kept in registers.
    private struct Accumulators {
        var m0 = (FloatVector(), FloatVector(), FloatVector(), FloatVector())
        var m1 = (FloatVector(), FloatVector(), FloatVector(), FloatVector())
        var m2 = (FloatVector(), FloatVector(), FloatVector(), FloatVector())
        var m3 = (FloatVector(), FloatVector(), FloatVector(), FloatVector())

        /// Adds weight[k] · (64 values at `p`) to map k's accumulators, k = 0..<4.
        @inline(__always)
        mutating func accumulate(_ p: UnsafePointer<Float>, weights w: UnsafePointer<Float>) {
            let v0 = loadVector(p), v1 = loadVector(p + 16), v2 = loadVector(p + 32), v3 = loadVector(p + 48)
            Self.add(&m0, v0, v1, v2, v3, FloatVector(repeating: w[0]))
            Self.add(&m1, v0, v1, v2, v3, FloatVector(repeating: w[1]))
            Self.add(&m2, v0, v1, v2, v3, FloatVector(repeating: w[2]))
            Self.add(&m3, v0, v1, v2, v3, FloatVector(repeating: w[3]))
        }

        @inline(__always)
        private static func add(
            _ m: inout (FloatVector, FloatVector, FloatVector, FloatVector),
            _ v0: FloatVector, _ v1: FloatVector, _ v2: FloatVector, _ v3: FloatVector,
            _ weight: FloatVector
        ) {
            m.0 = multiplyAdd(m.0, v0, weight)
            m.1 = multiplyAdd(m.1, v1, weight)
            m.2 = multiplyAdd(m.2, v2, weight)
            m.3 = multiplyAdd(m.3, v3, weight)
        }

        func map(_ k: Int) -> (FloatVector, FloatVector, FloatVector, FloatVector) {
            switch k {
            case 0: m0
            case 1: m1
            case 2: m2
            default: m3
            }
        }
    }

    /// One map × 64 columns per step (4 accumulators), weights at stride `ConvGroup.blockSize`.
    static func single(_ job: Job, weights: [Float], bias: Float, output: UnsafeMutablePointer<Float>) {
        let rowStride = job.layout.rowStride, slotStride = job.layout.slotStride
        let dilation = job.dilation, kernelHeight = job.kernelHeight, kernelWidth = job.kernelWidth
        let biasVector = FloatVector(repeating: bias)
        weights.withUnsafeBufferPointer { weightBuffer in
            job.slots.withUnsafeBufferPointer { slots in
                for r in 0..<job.rowCount {
                    var x = 0
                    while x < job.outputWidth {
                        var a0 = FloatVector(), a1 = FloatVector(), a2 = FloatVector(), a3 = FloatVector()
                        var w = weightBuffer.baseAddress!
                        for slot in slots {
                            let termRow = job.scratch + slot * slotStride + r * rowStride + x
                            for i in 0..<kernelHeight {
                                let kernelRow = termRow + i * dilation * rowStride
                                for j in 0..<kernelWidth {
                                    let p = kernelRow + j * dilation
                                    let weight = FloatVector(repeating: w[0])
                                    a0 = multiplyAdd(a0, loadVector(p), weight)
                                    a1 = multiplyAdd(a1, loadVector(p + 16), weight)
                                    a2 = multiplyAdd(a2, loadVector(p + 32), weight)
                                    a3 = multiplyAdd(a3, loadVector(p + 48), weight)
                                    w += ConvGroup.blockSize
                                }
                            }
                        }
                        let n = job.outputWidth - x, o = output + r * job.outputRowStride + x
                        storePair(a0 + biasVector, a1 + biasVector, to: o, count: n)
                        if n > 32 { storePair(a2 + biasVector, a3 + biasVector, to: o + 32, count: n - 32) }
                        x += 64
                    }
                }
            }
        }
    }

    /// A rank-1 kernel as a horizontal pass over every scratch row, then a vertical pass:
    /// out = bias + Σ_i vertical[i] · (Σ_j horizontal[j] · padded[y + i·D, x + j·D]).
    static func separable(_ job: Job, kernel: SeparableKernel, bias: Float, output: UnsafeMutablePointer<Float>) {
        let rowStride = job.layout.rowStride, dilation = job.dilation
        let paddedRows = job.rowCount + dilation * (job.kernelHeight - 1)
        let width = (job.outputWidth + stripWidth - 1) / stripWidth * stripWidth
        let horizontalPass = UnsafeMutablePointer<Float>.allocate(capacity: paddedRows * width)
        defer { horizontalPass.deallocate() }
        let source = job.scratch + job.slots[0] * job.layout.slotStride
        for r in 0..<paddedRows {
            var x = 0
            while x < width {
                var a0 = FloatVector(), a1 = FloatVector(), a2 = FloatVector(), a3 = FloatVector()
                let row = source + r * rowStride + x
                for j in 0..<job.kernelWidth {
                    let p = row + j * dilation, weight = FloatVector(repeating: kernel.horizontal[j])
                    a0 = multiplyAdd(a0, loadVector(p), weight)
                    a1 = multiplyAdd(a1, loadVector(p + 16), weight)
                    a2 = multiplyAdd(a2, loadVector(p + 32), weight)
                    a3 = multiplyAdd(a3, loadVector(p + 48), weight)
                }
                let o = horizontalPass + r * width + x
                storePair(a0, a1, to: o, count: 32)
                storePair(a2, a3, to: o + 32, count: 32)
                x += 64
            }
        }
        let biasVector = FloatVector(repeating: bias)
        for r in 0..<job.rowCount {
            var x = 0
            while x < job.outputWidth {
                var a0 = FloatVector(), a1 = FloatVector(), a2 = FloatVector(), a3 = FloatVector()
                for i in 0..<job.kernelHeight {
                    let p = UnsafePointer(horizontalPass + (r + i * dilation) * width + x)
                    let weight = FloatVector(repeating: kernel.vertical[i])
                    a0 = multiplyAdd(a0, loadVector(p), weight)
                    a1 = multiplyAdd(a1, loadVector(p + 16), weight)
                    a2 = multiplyAdd(a2, loadVector(p + 32), weight)
                    a3 = multiplyAdd(a3, loadVector(p + 48), weight)
                }
                let n = job.outputWidth - x, o = output + r * job.outputRowStride + x
                storePair(a0 + biasVector, a1 + biasVector, to: o, count: n)
                if n > 32 { storePair(a2 + biasVector, a3 + biasVector, to: o + 32, count: n - 32) }
                x += 64
            }
        }
    }

    /// Any stride: one value at a time, same summation order as the vector loops.
    static func scalar(_ job: Job, group: ConvGroup, outputs: [UnsafeMutablePointer<Float>?]) {
        let rowStride = job.layout.rowStride, slotStride = job.layout.slotStride
        let stride = job.stride, dilation = job.dilation
        let kernelHeight = job.kernelHeight, kernelWidth = job.kernelWidth
        group.weights.withUnsafeBufferPointer { weightBuffer in
            job.slots.withUnsafeBufferPointer { slots in
                for (k, target) in outputs.enumerated() {
                    guard let target else { continue }
                    let bias = group.biases[k]
                    for r in 0..<job.rowCount {
                        let outputRow = target + r * job.outputRowStride
                        for x in 0..<job.outputWidth {
                            var sum: Float = 0
                            var w = weightBuffer.baseAddress! + k
                            for slot in slots {
                                let origin = job.scratch + slot * slotStride + r * stride * rowStride + x * stride
                                for i in 0..<kernelHeight {
                                    let kernelRow = origin + i * dilation * rowStride
                                    for j in 0..<kernelWidth {
                                        sum = multiplyAdd(sum, kernelRow[j * dilation], w.pointee)
                                        w += ConvGroup.blockSize
                                    }
                                }
                            }
                            outputRow[x] = sum + bias
                        }
                    }
                }
            }
        }
    }

    /// `into[n] = ((slot0[n] + slot1[n]) + slot2[n]) + ...`, always in channel order.
    static func sumSlots(
        _ scratch: UnsafeMutablePointer<Float>, slotCount: Int, layout: PaddedInput.Layout, count: Int,
        into target: UnsafeMutablePointer<Float>
    ) {
        target.update(from: scratch, count: count)
        for slot in 1..<max(1, slotCount) {
            let source = scratch + slot * layout.slotStride
            for n in 0..<count { target[n] += source[n] }
        }
    }

    /// Stores 32 lanes (two vectors), clipped to `count`.
    @inline(__always)
    private static func storePair(
        _ first: FloatVector, _ second: FloatVector, to pointer: UnsafeMutablePointer<Float>,
        count: Int
    ) {
        storeVector(first, to: pointer, count: count)
        if count > 16 { storeVector(second, to: pointer + 16, count: count - 16) }
    }
}
