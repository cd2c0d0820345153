// A float64 CHW tensor for the test oracle, with a per-value bound on how large the terms that formed
// each value were (|w|·|in| summed through every layer), used to scale the allowed error.

struct ReferenceTensor {
    var channels: Int
    var height: Int
    var width: Int
    var values: [Double]
    /// Σ |w|·|in| (+ |bias|) behind each value, propagated through the layers.
    var magnitudes: [Double]

    init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
        values = [Double](repeating: 0, count: channels * height * width)
        magnitudes = values
    }

    subscript(c: Int, y: Int, x: Int) -> Double {
        get { values[(c * height + y) * width + x] }
        set { values[(c * height + y) * width + x] = newValue }
    }

    func magnitude(_ c: Int, _ y: Int, _ x: Int) -> Double { magnitudes[(c * height + y) * width + x] }
    mutating func setMagnitude(_ c: Int, _ y: Int, _ x: Int, _ m: Double) { magnitudes[(c * height + y) * width + x] = m }
}
