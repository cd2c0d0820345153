// Float64 oracles for the network operators, written straight from the ONNX operator spec with
// naive loops (no tiling, no engine), independent of Sources/FilterPipe/Stages.

import Foundation

@testable import FilterPipe

/// A CHW array of doubles.
struct RefTensor {
    var c: Int, h: Int, w: Int
    var v: [Double]

    init(c: Int, h: Int, w: Int, v: [Double]? = nil) {
        self.c = c
        self.h = h
        self.w = w
        self.v = v ?? [Double](repeating: 0, count: c * h * w)
    }

    init(_ t: Tensor) { self.init(c: t.channels, h: t.height, w: t.width, v: t.values.map(Double.init)) }

    subscript(c: Int, y: Int, x: Int) -> Double {
        get { v[(c * h + y) * w + x] }
        set { v[(c * h + y) * w + x] = newValue }
    }

    /// Random values in -1..1, rounded to Float so both sides start from the same inputs.
    static func random(c: Int, h: Int, w: Int, seed: UInt64) -> RefTensor {
        var rng = SeededGenerator(seed: seed)
        return RefTensor(c: c, h: h, w: w, v: (0..<c * h * w).map { _ in Double(Float.random(in: -1...1, using: &rng)) })
    }

    var tensor: Tensor {
        Tensor(shape: Shape(channels: c, height: h, width: w), values: v.map { Float($0) })
    }
}

/// Random Float-representable weights in -1..1.
func randomWeights(_ count: Int, seed: UInt64) -> [Float] {
    var rng = SeededGenerator(seed: seed)
    return (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
}

enum OperatorReference {
    /// ONNX Conv: Y[f, y, x] = B[f] + Σ_c Σ_kh Σ_kw X[g·C/g + c, y·s − pad_top + kh·d, …] · W[f, c, kh, kw].
    static func conv(
        _ x: RefTensor, w: [Float], f: Int, kh: Int, kw: Int, bias: [Float]?, group: Int, strides: (Int, Int),
        dilations: (Int, Int), pads: [Int]
    ) -> RefTensor {
        let cg = x.c / group, fg = f / group
        let oh = (x.h + pads[0] + pads[2] - dilations.0 * (kh - 1) - 1) / strides.0 + 1
        let ow = (x.w + pads[1] + pads[3] - dilations.1 * (kw - 1) - 1) / strides.1 + 1
        var out = RefTensor(c: f, h: oh, w: ow)
        for m in 0..<f {
            let g = m / fg
            for y in 0..<oh {
                for xx in 0..<ow {
                    var s = Double(bias?[m] ?? 0)
                    for c in 0..<cg {
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let iy = y * strides.0 - pads[0] + i * dilations.0
                                let ix = xx * strides.1 - pads[1] + j * dilations.1
                                guard iy >= 0, iy < x.h, ix >= 0, ix < x.w else { continue }
                                s += x[g * cg + c, iy, ix] * Double(w[((m * cg + c) * kh + i) * kw + j])
                            }
                        }
                    }
                    out[m, y, xx] = s
                }
            }
        }
        return out
    }

    /// ONNX ConvTranspose: every input value scatters X[c, iy, ix] · W[c, m, i, j] to
    /// Y[g·F/g + m, iy·s + i·d − pad_top, ix·s + j·d − pad_left].
    static func convTranspose(
        _ x: RefTensor, w: [Float], fg: Int, kh: Int, kw: Int, bias: [Float]?, group: Int, strides: (Int, Int),
        dilations: (Int, Int), pads: [Int], outputPadding: (Int, Int)
    ) -> RefTensor {
        let cg = x.c / group, f = fg * group
        let oh = strides.0 * (x.h - 1) + outputPadding.0 + dilations.0 * (kh - 1) + 1 - pads[0] - pads[2]
        let ow = strides.1 * (x.w - 1) + outputPadding.1 + dilations.1 * (kw - 1) + 1 - pads[1] - pads[3]
        var out = RefTensor(c: f, h: oh, w: ow)
        for m in 0..<f { for n in 0..<oh * ow { out.v[m * oh * ow + n] = Double(bias?[m] ?? 0) } }
        for c in 0..<x.c {
            let g = c / cg
            for m in 0..<fg {
                for i in 0..<kh {
                    for j in 0..<kw {
                        for iy in 0..<x.h {
                            for ix in 0..<x.w {
                                let y = iy * strides.0 + i * dilations.0 - pads[0]
                                let xx = ix * strides.1 + j * dilations.1 - pads[1]
                                guard y >= 0, y < oh, xx >= 0, xx < ow else { continue }
                                out[g * fg + m, y, xx] += x[c, iy, ix] * Double(w[((c * fg + m) * kh + i) * kw + j])
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// ONNX MaxPool / AveragePool. Output length: floor (or ceil) of (L + pads − ((K − 1)·d + 1)) / s + 1,
    /// dropping a last ceil window that starts past L + pad_begin. Average divides by the taps inside
    /// the image, or (count_include_pad) inside the padded extent [−pad_begin, L + pad_end).
    static func pool(
        _ x: RefTensor, max isMax: Bool, k: (Int, Int), strides: (Int, Int), dilations: (Int, Int), pads: [Int],
        ceil: Bool, includePad: Bool
    ) -> RefTensor {
        func length(_ n: Int, _ k: Int, _ s: Int, _ d: Int, _ b: Int, _ e: Int) -> Int {
            let span = Double(n + b + e - ((k - 1) * d + 1)) / Double(s)
            var out = Int(ceil ? span.rounded(.up) : span.rounded(.down)) + 1
            if ceil && (out - 1) * s >= n + b { out -= 1 }
            return out
        }
        let oh = length(x.h, k.0, strides.0, dilations.0, pads[0], pads[2])
        let ow = length(x.w, k.1, strides.1, dilations.1, pads[1], pads[3])
        var out = RefTensor(c: x.c, h: oh, w: ow)
        for c in 0..<x.c {
            for y in 0..<oh {
                for xx in 0..<ow {
                    var best = -Double.infinity, sum = 0.0, count = 0
                    for i in 0..<k.0 {
                        for j in 0..<k.1 {
                            let iy = y * strides.0 - pads[0] + i * dilations.0
                            let ix = xx * strides.1 - pads[1] + j * dilations.1
                            let inside = iy >= 0 && iy < x.h && ix >= 0 && ix < x.w
                            let inPadded = iy >= -pads[0] && iy < x.h + pads[2] && ix >= -pads[1] && ix < x.w + pads[3]
                            if inside {
                                best = Swift.max(best, x[c, iy, ix])
                                sum += x[c, iy, ix]
                            }
                            if includePad ? inPadded : inside { count += 1 }
                        }
                    }
                    out[c, y, xx] = isMax ? best : sum / Double(count)
                }
            }
        }
        return out
    }

    /// ONNX Resize on H, W (scales given: output ⌊L·scale⌋).
    static func resize(
        _ x: RefTensor, oh: Int, ow: Int, scales: (Double, Double), linear: Bool, transform: String, nearest: String
    ) -> RefTensor {
        func source(_ o: Int, _ scale: Double, _ n: Int, _ out: Int) -> Double {
            switch transform {
            case "half_pixel": return (Double(o) + 0.5) / scale - 0.5
            case "pytorch_half_pixel": return out > 1 ? (Double(o) + 0.5) / scale - 0.5 : 0
            case "align_corners": return out == 1 ? 0 : Double(o) * Double(n - 1) / Double(out - 1)
            default: return Double(o) / scale
            }
        }
        func pick(_ s: Double, _ n: Int) -> Int {
            let r: Double
            switch nearest {
            case "floor": r = s.rounded(.down)
            case "ceil": r = s.rounded(.up)
            case "round_prefer_ceil": r = (s - s.rounded(.down) == 0.5) ? s.rounded(.up) : s.rounded()
            default: r = (s - s.rounded(.down) == 0.5) ? s.rounded(.down) : s.rounded()
            }
            return Swift.min(Swift.max(Int(r), 0), n - 1)
        }
        var out = RefTensor(c: x.c, h: oh, w: ow)
        for c in 0..<x.c {
            for y in 0..<oh {
                for xx in 0..<ow {
                    let sy = source(y, scales.0, x.h, oh), sx = source(xx, scales.1, x.w, ow)
                    if !linear {
                        out[c, y, xx] = x[c, pick(sy, x.h), pick(sx, x.w)]
                        continue
                    }
                    // Edge-padded neighbours (ONNX's reference pads with the edge value), i.e. clamped.
                    let cy = Swift.min(Swift.max(sy, 0), Double(x.h - 1)), cx = Swift.min(Swift.max(sx, 0), Double(x.w - 1))
                    let y0 = Int(cy.rounded(.down)), x0 = Int(cx.rounded(.down))
                    let y1 = Swift.min(y0 + 1, x.h - 1), x1 = Swift.min(x0 + 1, x.w - 1)
                    let fy = cy - Double(y0), fx = cx - Double(x0)
                    out[c, y, xx] =
                        (1 - fy) * ((1 - fx) * x[c, y0, x0] + fx * x[c, y0, x1]) + fy
                        * ((1 - fx) * x[c, y1, x0] + fx * x[c, y1, x1])
                }
            }
        }
        return out
    }

    static func activation(_ a: Activation, _ v: Double) -> Double {
        switch a {
        case .relu: return Swift.max(v, 0)
        case .abs: return Swift.abs(v)
        case .leakyReLU(let s): return v < 0 ? Double(s) * v : v
        case .sigmoid: return 1 / (1 + Foundation.exp(-v))
        case .tanh: return Foundation.tanh(v)
        case .clip(let lo, let hi): return Swift.min(Swift.max(v, Double(lo)), Double(hi))
        case .hardSigmoid(let al, let be): return Swift.max(0, Swift.min(1, Double(al) * v + Double(be)))
        case .hardSwish: return v * Swift.max(0, Swift.min(1, v / 6 + 0.5))
        case .elu(let al): return v < 0 ? Double(al) * (Foundation.exp(v) - 1) : v
        }
    }
}

/// The largest |got − want| over all values, and the shapes' agreement.
func maxError(_ got: Tensor, _ want: RefTensor) -> Double {
    guard got.channels == want.c, got.height == want.h, got.width == want.w else { return .infinity }
    return zip(got.values, want.v).map { Swift.abs(Double($0) - $1) }.max() ?? 0
}
