// The test oracle: the pipeline formulas as plain float64 loops, written independently of the engine.
//   conv: out[f,y,x] = bias[f] + Σ_c Σ_i Σ_j w[f,c,i,j] · in[c, y·S + i·D − P_top, x·S + j·D − P_left]
//   pool: max / mean over the window positions inside the image (PyTorch, count_include_pad=False)
//   activations: relu, abs, leaky_relu, sigmoid, tanh
import Foundation

@testable import FilterPipe

enum ReferencePipeline {
    /// Runs `stages` on `input`; nil if some layer's output is empty.
    static func run(_ stages: [StageSpec], on input: Tensor) -> ReferenceTensor? {
        var current = ReferenceTensor(channels: input.channels, height: input.height, width: input.width)
        current.values = input.values.map(Double.init)
        current.magnitudes = current.values.map { Swift.abs($0) }
        for stage in stages {
            switch stage {
            case .conv(let conv): guard let next = convolve(current, conv) else { return nil }; current = next
            case .activation(let activation): current = activate(current, activation)
            case .pool(let pool): guard let next = self.pool(current, pool) else { return nil }; current = next
            }
        }
        return current
    }

    /// Reads `in[c, y, x]` with coordinates outside the image resolved by `mode`, by repeated mirroring
    /// for reflect (numpy 'reflect'), nil for a zero pad.
    static func read(_ t: ReferenceTensor, _ c: Int, _ y: Int, _ x: Int, mode: PadMode) -> (value: Double, magnitude: Double)? {
        func resolve(_ i: Int, _ n: Int) -> Int? {
            if (0..<n).contains(i) { return i }
            switch mode {
            case .zero: return nil
            case .replicate: return min(max(i, 0), n - 1)
            case .circular: return ((i % n) + n) % n
            case .reflect:
                if n == 1 { return 0 }
                var k = i
                while k < 0 || k >= n { k = k < 0 ? -k : 2 * (n - 1) - k }
                return k
            }
        }
        guard let yy = resolve(y, t.height), let xx = resolve(x, t.width) else { return nil }
        return (t[c, yy, xx], t.magnitude(c, yy, xx))
    }

    static func convolve(_ input: ReferenceTensor, _ conv: ConvSpec) -> ReferenceTensor? {
        let kh = conv.filters[0].kernelHeight, kw = conv.filters[0].kernelWidth
        let s = conv.stride, d = conv.dilation
        var top = 0, bottom = 0, left = 0, right = 0
        switch conv.padding {
        case .explicit(let p): (top, bottom, left, right) = (p, p, p, p)
        case .same:
            top = d * (kh - 1) / 2; bottom = d * (kh - 1) - top
            left = d * (kw - 1) / 2; right = d * (kw - 1) - left
        }
        let spanH = input.height + top + bottom - d * (kh - 1) - 1
        let spanW = input.width + left + right - d * (kw - 1) - 1
        guard spanH >= 0, spanW >= 0 else { return nil }
        let oh = spanH / s + 1, ow = spanW / s + 1
        let f = conv.filters.count
        let outChannels = conv.depthwise ? input.channels * f : f
        var out = ReferenceTensor(channels: outChannels, height: oh, width: ow)
        for m in 0..<outChannels {
            let filter = conv.depthwise ? conv.filters[m % f] : conv.filters[m]
            let inputChannels = conv.depthwise ? [m / f] : Array(0..<input.channels)
            for y in 0..<oh {
                for x in 0..<ow {
                    var sum = Double(filter.bias), magnitude = Swift.abs(Double(filter.bias))
                    for c in inputChannels {
                        let w = filter.isBroadcast ? filter.channels[0] : filter.channels[c]
                        for i in 0..<kh {
                            for j in 0..<kw {
                                guard let v = read(input, c, y * s + i * d - top, x * s + j * d - left, mode: conv.padMode)
                                else { continue }
                                sum += Double(w[i, j]) * v.value
                                magnitude += Swift.abs(Double(w[i, j])) * v.magnitude
                            }
                        }
                    }
                    out[m, y, x] = sum
                    out.setMagnitude(m, y, x, magnitude)
                }
            }
        }
        return out
    }

    static func activate(_ input: ReferenceTensor, _ activation: Activation) -> ReferenceTensor {
        var out = input
        out.values = input.values.map { v in
            switch activation {
            case .relu: max(v, 0)
            case .abs: Swift.abs(v)
            case .leakyReLU(let slope): v < 0 ? Double(slope) * v : v
            case .sigmoid: 1 / (1 + Foundation.exp(-v))
            case .tanh: Foundation.tanh(v)
            default: OperatorReference.activation(activation, v)
            }
        }
        return out
    }

    static func pool(_ input: ReferenceTensor, _ pool: PoolSpec) -> ReferenceTensor? {
        func length(_ n: Int) -> Int {
            let span = n + 2 * pool.pad - pool.size
            guard span >= 0 else { return 0 }
            var count = Int((Double(span) / Double(pool.stride)).rounded(pool.ceilMode ? .up : .down)) + 1
            // PyTorch: in ceil mode the last window must start inside the image or the left padding.
            while pool.ceilMode && (count - 1) * pool.stride >= n + pool.pad { count -= 1 }
            return count
        }
        let oh = length(input.height), ow = length(input.width)
        guard oh > 0, ow > 0 else { return nil }
        var out = ReferenceTensor(channels: input.channels, height: oh, width: ow)
        for c in 0..<input.channels {
            for y in 0..<oh {
                for x in 0..<ow {
                    var values: [Double] = [], magnitude = 0.0
                    for yy in (y * pool.stride - pool.pad)..<(y * pool.stride - pool.pad + pool.size)
                    where (0..<input.height).contains(yy) {
                        for xx in (x * pool.stride - pool.pad)..<(x * pool.stride - pool.pad + pool.size)
                        where (0..<input.width).contains(xx) {
                            values.append(input[c, yy, xx])
                            magnitude = max(magnitude, input.magnitude(c, yy, xx))
                        }
                    }
                    out[c, y, x] = pool.kind == .max ? values.max()! : values.reduce(0, +) / Double(values.count)
                    out.setMagnitude(c, y, x, magnitude)
                }
            }
        }
        return out
    }
}
