import Foundation
import Testing

@testable import FilterPipe

/// Cases worked out from the exact binary value of each Double (ties only where the value is exact).
@Test(arguments: [
    (3.4149, 2, 0, "3.41"),
    (24.05, 1, 0, "24.1"),  // 24.05 is stored as 24.050000000000000710…
    (2.675, 2, 0, "2.67"),  // stored as 2.67499999999999982236…
    (1.005, 2, 0, "1.00"),  // stored as 1.00499999999999989341…
    (0.125, 2, 0, "0.12"),  // exact tie: to even
    (0.375, 2, 0, "0.38"),  // exact tie: to even
    (0.5, 0, 0, "0"),
    (1.5, 0, 0, "2"),
    (2.5, 0, 0, "2"),
    (-0.04, 1, 0, "-0.0"),
    (0, 3, 8, "   0.000"),
    (17.25, 1, 7, "   17.2"),
    (123456, 3, 8, "123456.000"),  // wider than the width: not cut
    (1e21, 0, 0, "1000000000000000000000"),
    (Double.infinity, 1, 0, "inf"),
    (-Double.infinity, 2, 6, "  -inf"),
])
func fixedDecimalsRoundTheExactBinaryValue(value: Double, decimals: Int, width: Int, expected: String) {
    #expect(formatted(value, decimals: decimals, width: width) == expected)
}

/// The CLI's summary numbers must print exactly as Foundation's `String(format:)` printed them.
@Test(arguments: [0, 1, 2, 3])
func fixedDecimalsMatchFoundationStringFormat(decimals: Int) {
    var random = SeededGenerator(seed: 0x5EED + UInt64(decimals))
    for _ in 0..<5000 {
        let magnitude = pow(10, Double.random(in: -6...9, using: &random))
        let value = Double.random(in: -1...1, using: &random) * magnitude
        let width = Int.random(in: 0...12, using: &random)
        let reference = String(format: "%\(width).\(decimals)f", value)
        #expect(formatted(value, decimals: decimals, width: width) == reference, "value \(value)")
    }
}

@Test func batchSummaryLineKeepsTwoDecimalSecondsAndOneDecimalRate() {
    var summary = BatchSummary()
    summary.written = 22
    summary.failed = 2
    summary.mapsWritten = 88
    summary.seconds = 3.4149
    summary.megapixels = 82.3  // 24.100…  MP/s
    #expect(summary.line == "written 22, failed 2, skipped 0 images; 88 maps; 3.41 s; 24.1 MP/s")
}
