// Compares an engine tensor with the oracle: |got − expected| ≤ 1e-5 · magnitude + 1e-6, where
// magnitude is Σ |w|·|in| behind the value.
@testable import FilterPipe

struct ReferenceComparison {
    static let relativeTolerance = 1e-5
    static let absoluteTolerance = 1e-6

    var shapeMatches: Bool
    var failures = 0
    /// The largest |err| / magnitude seen.
    var largestRelativeError = 0.0
    var firstFailure: String?

    init(_ got: Tensor, _ expected: ReferenceTensor) {
        shapeMatches = got.shape == Shape(channels: expected.channels, height: expected.height, width: expected.width)
        guard shapeMatches else { return }
        for n in 0..<got.values.count {
            let error = Swift.abs(Double(got.values[n]) - expected.values[n])
            let magnitude = expected.magnitudes[n]
            if magnitude > 0 { largestRelativeError = max(largestRelativeError, error / magnitude) }
            if !(error <= Self.relativeTolerance * magnitude + Self.absoluteTolerance) {
                failures += 1
                if firstFailure == nil {
                    firstFailure = "value \(n): got \(got.values[n]), expected \(expected.values[n]), magnitude \(magnitude)"
                }
            }
        }
    }

    var passed: Bool { shapeMatches && failures == 0 }
}
