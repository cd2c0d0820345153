import FilterPipe
import Testing

@testable import filterpipe

// The table `check` prints, rendered by the CLI from the library's summary.

@Test func renderedTableIsAlignedWithTotalsAndOutput() throws {
    let spec = try FilterFileParser.parse(
        "input gray\nconv pad=1\n filter a = sobel_x\n filter b = sobel_y\nrelu\nmaxpool\n", fileName: "t.filter")
    let table = try PipelineSummary(spec: spec, width: 8, height: 6).renderTable()
    // Written by hand: 2 spaces between columns, numbers right-aligned, 2·6·8·9 = 864 multiply-adds.
    // The output line names the default scaling (percentile clipping since issue 14, was minmax).
    let expected = """
        #  line  stage    parameters           output C×H×W  weights  multiply-adds
        ---------------------------------------------------------------------------
        0        input    gray                 1×6×8               0              0
        1     2  conv     2 filters 3×3 pad=1  2×6×8              20            864
        2     5  relu                          2×6×8               0              0
        3     6  maxpool  size=2 stride=2      2×3×4               0              0
        ---------------------------------------------------------------------------
        total: 3 stages, 20 weights, 864 multiply-adds (864)
        output: 2×3×4 as maps, normalize=percentile percentile=99.5, colormap=gray (signed maps: diverging)

        """
    #expect(table == expected)
}

@Test(
    "large counts are grouped by thousands and scaled",
    arguments: [
        (0, "0", "0"), (999, "999", "999"), (1_000, "1,000", "1.00 k"), (1_234_567, "1,234,567", "1.23 M"),
        (2_007_244_800, "2,007,244,800", "2.01 G"),
    ])
func countsAreGroupedAndScaled(_ value: Int, _ grouped: String, _ scaled: String) {
    #expect(PipelineSummary.grouped(value) == grouped)
    #expect(PipelineSummary.scaled(value) == scaled)
}

@Test(arguments: [
    (1_234_567, "1.23 M"), (1005, "1.00 k"), (999_999, "1000.00 k"), (2_500_000_000, "2.50 G"), (999, "999"),
])
func scaledCountsKeepTwoDecimalsAndAUnit(value: Int, expected: String) {
    #expect(PipelineSummary.scaled(value) == expected)
}
