// Area-averaging resize: output pixel (x, y) is the mean of the source area it covers,
//   out[y, x] = Σ_i Σ_j w_y(i) · w_x(j) · in[i, j],   w_x(j) = |[j, j+1) ∩ [x·sx, (x+1)·sx)| / sx,
// sx = sourceWidth / targetWidth (likewise sy). Separable: rows first, then columns.
// Shrinking averages without aliasing; enlarging by an integer factor replicates pixels exactly.

/// Resizes float planes by area averaging.
enum AreaResampler {
    /// For each target index, the source indices it covers and their weights (summing to 1).
    static func weights(source: Int, target: Int) -> [[(index: Int, weight: Float)]] {
        let scale = Double(source) / Double(target)
        return (0..<target).map { t in
            let start = Double(t) * scale
            let end = Double(t + 1) * scale
            var taps: [(index: Int, weight: Float)] = []
            var s = Int(start.rounded(.down))
            while Double(s) < end && s < source {
                let covered = min(end, Double(s + 1)) - max(start, Double(s))
                if covered > 1e-9 { taps.append((s, Float(covered / scale))) }
                s += 1
            }
            return taps
        }
    }

    /// `plane` (height × width, row-major) resized to targetHeight × targetWidth.
    static func resize(
        _ plane: ArraySlice<Float>, width: Int, height: Int,
        targetWidth: Int, targetHeight: Int
    ) -> [Float] {
        if width == targetWidth && height == targetHeight { return Array(plane) }
        let base = plane.startIndex
        return resize(width: width, height: height, targetWidth: targetWidth, targetHeight: targetHeight) {
            plane[base + $0]
        }
    }

    /// The plane whose value at row-major index i is `value(i)`, resized; reading through `value`
    /// lets a large photo be shrunk straight from its interleaved samples, without a float copy.
    static func resize(
        width: Int, height: Int, targetWidth: Int, targetHeight: Int,
        value: (Int) -> Float
    ) -> [Float] {
        let columnTaps = weights(source: width, target: targetWidth)
        let rowTaps = weights(source: height, target: targetHeight)
        var rows = [Float](repeating: 0, count: height * targetWidth)
        for y in 0..<height {
            for x in 0..<targetWidth {
                var sum: Float = 0
                for tap in columnTaps[x] { sum += tap.weight * value(y * width + tap.index) }
                rows[y * targetWidth + x] = sum
            }
        }
        var out = [Float](repeating: 0, count: targetHeight * targetWidth)
        for y in 0..<targetHeight {
            for tap in rowTaps[y] {
                for x in 0..<targetWidth { out[y * targetWidth + x] += tap.weight * rows[tap.index * targetWidth + x] }
            }
        }
        return out
    }
}
