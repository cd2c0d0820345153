// Up to four output maps of a convolution that read the same input channels (the same "terms"),
// computed together so each input vector loaded feeds four accumulators:
//   out[m, y, x] = bias[m] + Σ_t Σ_i Σ_j weight[t, i, j, m] · padded[term t, y·S + i·D, x·S + j·D]
// summed in exactly that order (t, then i, then j), starting from 0, the bias added last.

/// A block of maps sharing input terms, with weights laid out for the inner loop.
struct ConvGroup: Sendable {
    /// Maps computed together by the blocked kernel.
    static let blockSize = 4
    /// Term that reads the sum of all input channels (broadcast filters, `Σ_c w * in_c = w * Σ_c in_c`).
    static let channelSum = -1

    /// First output map; the group covers `firstMap ..< firstMap + mapCount`.
    let firstMap: Int
    let mapCount: Int
    /// Input channel read by each term (or `channelSum`).
    let terms: [Int]
    /// `[term][i][j][blockSize]`, zeros for missing maps (a single map reads every `blockSize`-th).
    let weights: [Float]
    let biases: [Float]
    /// A rank-1 single-term kernel: weight[i, j] = vertical[i] · horizontal[j], run as two 1-D passes.
    let separable: SeparableKernel?

    var maps: Range<Int> { firstMap..<firstMap + mapCount }
}

/// The two 1-D factors of a rank-1 kernel.
struct SeparableKernel: Sendable {
    let vertical: [Float]
    let horizontal: [Float]

    /// The factors of `matrix` if it is rank 1 to within 1e-6 of its largest weight, else nil.
    /// Only worth it when the two passes do fewer multiply-adds than the full kernel (5×5 and up).
    init?(_ matrix: Matrix) {
        let rows = matrix.rows, columns = matrix.columns
        guard rows >= 3, columns >= 3, rows * columns > 2 * (rows + columns) else { return nil }
        var pivotRow = 0, pivotColumn = 0, pivot: Float = 0
        for i in 0..<rows {
            for j in 0..<columns where Swift.abs(matrix[i, j]) > Swift.abs(pivot) {
                pivot = matrix[i, j]; pivotRow = i; pivotColumn = j
            }
        }
        guard pivot != 0 else { return nil }
        let vertical = (0..<rows).map { Double(matrix[$0, pivotColumn]) }
        let horizontal = (0..<columns).map { Double(matrix[pivotRow, $0]) / Double(pivot) }
        let tolerance = 1e-6 * Double(Swift.abs(pivot))
        for i in 0..<rows {
            for j in 0..<columns where Swift.abs(vertical[i] * horizontal[j] - Double(matrix[i, j])) > tolerance {
                return nil
            }
        }
        self.vertical = vertical.map(Float.init)
        self.horizontal = horizontal.map(Float.init)
    }
}
