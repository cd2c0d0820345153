// Resizing an image's tensor before a network sees it (`apply --resize`, `--max-side`, `--multiple`).
// A detector whose feature pyramid adds upsampled maps to finer ones needs sides that are multiples
// of its total stride (PaddleOCR's DB detector: 32); PaddleOCR's DetResizeForTest (limit_type max)
// scales so the longer side is at most N, then rounds each side to a multiple of M:
//   ratio = N / max(H, W) if max(H, W) > N else 1;  H' = ⌊H·ratio⌋, W' = ⌊W·ratio⌋
//   H'' = max(round(H' / M)·M, M), W'' likewise (round half to even, as Python's round)
// Sampling is bilinear as OpenCV's INTER_LINEAR (and PIL's BILINEAR when enlarging): output pixel x
// reads source position (x + ½)·W/W'' − ½ (clamped at 0), interpolating its two neighbours along
// each axis (the last one repeated at the edge); there is no antialiasing when shrinking (PIL's
// BILINEAR widens its filter then; OpenCV's does not). Values are interpolated as floats, before
// the input's mean and std (the same result: the weights sum to 1), not rounded to 8 bits.

/// How an image is resized before the pipeline runs on it.
public enum InputResize: Sendable, Equatable {
    /// Exactly `width`×`height`.
    case size(width: Int, height: Int)
    /// PaddleOCR's DetResizeForTest: the longer side at most `maxSide` (nil: no limit), then each
    /// side rounded to a multiple of `multiple` (1: no rounding).
    case limit(maxSide: Int?, multiple: Int)

    /// The size an image of `width`×`height` is resized to.
    public func size(width: Int, height: Int) -> (width: Int, height: Int) {
        switch self {
        case .size(let w, let h):
            return (w, h)
        case .limit(let maxSide, let multiple):
            var ratio = 1.0
            if let maxSide, max(width, height) > maxSide { ratio = Double(maxSide) / Double(max(width, height)) }
            func side(_ length: Int) -> Int {
                let scaled = Int(Double(length) * ratio)
                let rounded = Int((Double(scaled) / Double(multiple)).rounded(.toNearestOrEven)) * multiple
                return max(rounded, multiple, 1)
            }
            return (side(width), side(height))
        }
    }

    /// `tensor` resized as this says (the tensor itself when its size is already right).
    public func apply(to tensor: Tensor) -> Tensor {
        let (width, height) = size(width: tensor.width, height: tensor.height)
        return tensor.resizedBilinear(width: width, height: height)
    }

    /// How `check` and messages write it: `640x480`, `max side 960, multiple of 32`.
    public var description: String {
        switch self {
        case .size(let w, let h): "\(w)x\(h)"
        case .limit(let maxSide, let multiple):
            [maxSide.map { "longer side at most \($0)" }, multiple > 1 ? "sides multiples of \(multiple)" : nil]
                .compactMap { $0 }.joined(separator: ", ")
        }
    }
}

extension Tensor {
    /// Bilinear resampling, OpenCV INTER_LINEAR's coordinates (see the top of this file).
    func resizedBilinear(width newWidth: Int, height newHeight: Int) -> Tensor {
        if newWidth == width && newHeight == height { return self }
        func taps(_ output: Int, _ input: Int) -> [(Int, Int, Float)] {
            let scale = Double(input) / Double(output)
            return (0..<output).map { x in
                let source = max(0, (Double(x) + 0.5) * scale - 0.5)
                let low = min(Int(source), input - 1)
                let high = min(low + 1, input - 1)
                return (low, high, Float(source - Double(low)))
            }
        }
        let columns = taps(newWidth, width), rows = taps(newHeight, height)
        var out = [Float](repeating: 0, count: channels * newWidth * newHeight)
        let plane = width * height, newPlane = newWidth * newHeight
        values.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                var row = [Float](repeating: 0, count: newWidth)
                for c in 0..<channels {
                    for y in 0..<newHeight {
                        let (top, bottom, fy) = rows[y]
                        let a = c * plane + top * width, b = c * plane + bottom * width
                        for x in 0..<newWidth {
                            let (left, right, fx) = columns[x]
                            let upper = source[a + left] + (source[a + right] - source[a + left]) * fx
                            let lower = source[b + left] + (source[b + right] - source[b + left]) * fx
                            row[x] = upper + (lower - upper) * fy
                        }
                        for x in 0..<newWidth { target[c * newPlane + y * newWidth + x] = row[x] }
                    }
                }
            }
        }
        return Tensor(shape: Shape(channels: channels, height: newHeight, width: newWidth), values: out)
    }
}
