import Foundation
import Testing

@testable import FilterPipe

// The book's trained networks ("Deep Learning from Scratch"): SimpleConvNet's first layer from the
// copies in samples/ (always), DeepConvNet's whole conv stack from ../shared/models (skipped when
// absent), each from its filter file, against a float64 forward pass written here from the book's
// definitions (Convolution.forward: cross-correlation, zero padding; ReLU; 2×2 max pool, stride 2)
// on weights this file reads itself.

/// A minimal .npy reader for the book's files only (version 1.0, '<f8', C order): independent of
/// the reader under test.
private func bookArray(_ path: String) throws -> (shape: [Int], values: [Double]) {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    let header = String(decoding: bytes[10..<10 + headerLength], as: UTF8.self)
    #expect(header.contains("'descr': '<f8'") && header.contains("'fortran_order': False"), "\(header)")
    let shapeText = header.components(separatedBy: "'shape': (")[1].components(separatedBy: ")")[0]
    let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    let count = shape.reduce(1, *)
    var values = [Double](repeating: 0, count: count)
    for k in 0..<count {
        var bits: UInt64 = 0
        for b in 0..<8 { bits |= UInt64(bytes[10 + headerLength + 8 * k + b]) << (8 * b) }
        values[k] = Double(bitPattern: bits)
    }
    return (shape, values)
}

/// A float64 CHW array.
private struct Planes {
    var channels: Int, height: Int, width: Int
    var values: [Double]
    subscript(c: Int, y: Int, x: Int) -> Double { values[(c * height + y) * width + x] }
}

/// out[f, y, x] = b[f] + Σ_c Σ_i Σ_j W[f, c, i, j] · in[c, y + i − pad, x + j − pad], zero outside.
private func convolve(_ input: Planes, weights: (shape: [Int], values: [Double]), bias: [Double], pad: Int) -> Planes {
    let (filters, channels, kh, kw) = (weights.shape[0], weights.shape[1], weights.shape[2], weights.shape[3])
    precondition(channels == input.channels)
    let height = input.height + 2 * pad - kh + 1, width = input.width + 2 * pad - kw + 1
    var out = Planes(
        channels: filters, height: height, width: width, values: [Double](repeating: 0, count: filters * height * width))
    for f in 0..<filters {
        for y in 0..<height {
            for x in 0..<width {
                var sum = bias[f]
                for c in 0..<channels {
                    for i in 0..<kh {
                        let row = y + i - pad
                        guard row >= 0 && row < input.height else { continue }
                        for j in 0..<kw {
                            let column = x + j - pad
                            guard column >= 0 && column < input.width else { continue }
                            sum += weights.values[((f * channels + c) * kh + i) * kw + j] * input[c, row, column]
                        }
                    }
                }
                out.values[(f * height + y) * width + x] = sum
            }
        }
    }
    return out
}

private func relu(_ input: Planes) -> Planes {
    var out = input
    out.values = input.values.map { max(0, $0) }
    return out
}

private func maxPool2(_ input: Planes) -> Planes {
    let height = input.height / 2, width = input.width / 2
    var out = Planes(
        channels: input.channels, height: height, width: width,
        values: [Double](repeating: 0, count: input.channels * height * width))
    for c in 0..<input.channels {
        for y in 0..<height {
            for x in 0..<width {
                out.values[(c * height + y) * width + x] = max(
                    max(input[c, 2 * y, 2 * x], input[c, 2 * y, 2 * x + 1]),
                    max(input[c, 2 * y + 1, 2 * x], input[c, 2 * y + 1, 2 * x + 1]))
            }
        }
    }
    return out
}

/// A 64×48 gray crop of chelsea.png (the cat's eye), as the tensor the pipeline's input line gives.
private func photoCrop() throws -> Tensor {
    let path = packageRoot + "/samples/images/chelsea.png"
    let whole = Tensor(pixels: try ImageCodec.decode(fileAt: path), mode: .gray)
    let (top, left, height, width) = (70, 160, 48, 64)
    var values: [Float] = []
    for y in top..<top + height {
        for x in left..<left + width { values.append(whole[0, y, x]) }
    }
    return Tensor(shape: Shape(channels: 1, height: height, width: width), values: values)
}

private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
private let deepConvNetFolder = URL(fileURLWithPath: packageRoot).deletingLastPathComponent()
    .appendingPathComponent("shared/models/book/deep_convnet").path
private let hasDeepConvNet = FileManager.default.fileExists(atPath: deepConvNetFolder + "/W6.npy")

/// Every value within `tolerance` × the largest |value| of the reference.
private func expectClose(_ got: Tensor, _ expected: Planes, tolerance: Double, _ what: String) {
    #expect(got.shape == Shape(channels: expected.channels, height: expected.height, width: expected.width), "\(what)")
    guard got.values.count == expected.values.count else { return }
    let scale = expected.values.map(abs).max() ?? 0
    let worst = zip(got.values, expected.values).map { abs(Double($0) - $1) }.max() ?? 0
    #expect(scale > 0, "\(what): the reference is all zeros")
    #expect(worst <= tolerance * scale, "\(what): max |error| \(worst) against max |value| \(scale)")
}

@Suite struct BookNetworkTests {
    @Test func simpleConvNetsFirstLayerFromSamplesMatchesTheFloat64Reference() throws {
        let weights = try bookArray(packageRoot + "/samples/weights/simple_convnet/W1.npy")
        let bias = try bookArray(packageRoot + "/samples/weights/simple_convnet/b1.npy")
        #expect(weights.shape == [30, 1, 5, 5] && bias.shape == [30])
        let pipeline = try Pipeline(contentsOf: packageRoot + "/samples/filters/simple_convnet.filter")
        let input = try photoCrop()
        let planes = Planes(channels: 1, height: input.height, width: input.width, values: input.values.map(Double.init))
        let conv = convolve(planes, weights: weights, bias: bias.values, pad: 0)
        let stages = try pipeline.runAllStages(input)
        #expect(stages.count == 3)
        expectClose(stages[0], conv, tolerance: 1e-5, "conv")
        expectClose(stages[1], relu(conv), tolerance: 1e-5, "relu")
        expectClose(stages[2], maxPool2(relu(conv)), tolerance: 1e-5, "maxpool")
    }

    @Test func theBooksFirstSixteenFiltersRunWithBiasZero() throws {
        let weights = try bookArray(packageRoot + "/samples/weights/simple_convnet/W1.npy")
        let first16 = (shape: [16, 1, 5, 5], values: Array(weights.values.prefix(16 * 25)))
        let pipeline = try Pipeline(contentsOf: packageRoot + "/samples/filters/simple_convnet_first16.filter")
        #expect(pipeline.spec.output.kind == .montage)
        let input = try photoCrop()
        let planes = Planes(channels: 1, height: input.height, width: input.width, values: input.values.map(Double.init))
        let expected = convolve(planes, weights: first16, bias: [Double](repeating: 0, count: 16), pad: 0)
        expectClose(try pipeline.run(input), expected, tolerance: 1e-5, "first 16 filters")
    }

    @Test(.enabled(if: hasDeepConvNet, "needs ../shared/models/book/deep_convnet"))
    func deepConvNetsConvStackFromItsFilterFileMatchesTheFloat64ReferenceAtEveryStage() throws {
        let text = try String(
            contentsOfFile: CodecTestSupport.fixtures.appendingPathComponent("deep_convnet.filter").path, encoding: .utf8)
        let spec = try FilterFileParser.parse(text, fileName: "deep_convnet.filter", directory: deepConvNetFolder)
        let pipeline = try Pipeline(spec: spec)
        let input = try photoCrop()
        var planes = Planes(channels: 1, height: input.height, width: input.width, values: input.values.map(Double.init))
        let stages = try pipeline.runAllStages(input)
        #expect(stages.count == 15)
        let pads = [1, 1, 1, 2, 1, 1]
        var stage = 0
        for layer in 0..<6 {
            let weights = try bookArray(deepConvNetFolder + "/W\(layer + 1).npy")
            let bias = try bookArray(deepConvNetFolder + "/b\(layer + 1).npy")
            planes = convolve(planes, weights: weights, bias: bias.values, pad: pads[layer])
            expectClose(stages[stage], planes, tolerance: 1e-5, "conv \(layer + 1)")
            planes = relu(planes)
            expectClose(stages[stage + 1], planes, tolerance: 1e-5, "relu \(layer + 1)")
            stage += 2
            if layer % 2 == 1 {
                planes = maxPool2(planes)
                expectClose(stages[stage], planes, tolerance: 1e-5, "pool after conv \(layer + 1)")
                stage += 1
            }
        }
        #expect(
            Shape(channels: planes.channels, height: planes.height, width: planes.width)
                == Shape(channels: 64, height: 6, width: 8))
    }
}
