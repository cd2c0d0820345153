import Testing

@testable import FilterPipe

/// `--resize` and `--max-side/--multiple`: sizes by PaddleOCR's DetResizeForTest rule, samples
/// against OpenCV's `cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR)` on float32 (opencv 4,
/// values printed to 6 decimals by the venv; the input a[y][x] = ((5y + x) / 19)², 4 rows × 5 columns).
@Suite struct InputResizeTests {
    static let source = Tensor(
        shape: Shape(channels: 1, height: 4, width: 5), values: (0..<20).map { Float(($0 * $0)) / Float(19 * 19) })

    static let opencv: [(width: Int, height: Int, values: [Float])] = [
        (
            7, 3,
            [
                0.011542, 0.015763, 0.022622, 0.031856, 0.045047, 0.060612, 0.074331, 0.17313, 0.198457, 0.231698,
                0.267313, 0.306886, 0.348833, 0.383657, 0.565559, 0.611991, 0.671613, 0.73361, 0.799565, 0.867893, 0.923823,
            ]
        ),
        (3, 2, [0.040166, 0.073407, 0.123269, 0.474146, 0.599723, 0.741921]),
        (
            8, 8,
            [
                0.0, 0.001212, 0.003289, 0.008483, 0.015409, 0.024065, 0.035838, 0.044321, 0.017313, 0.021555, 0.027961,
                0.037483, 0.048736, 0.061721, 0.077822, 0.089335, 0.051939, 0.06224, 0.077303, 0.095481, 0.115391,
                0.137033, 0.16179, 0.179363, 0.121191, 0.137552, 0.161271, 0.188106, 0.216672, 0.24697, 0.280384,
                0.304017, 0.225069, 0.24749, 0.279865, 0.315357, 0.35258, 0.391534, 0.433605, 0.463296, 0.363573,
                0.392053, 0.433085, 0.477233, 0.523113, 0.570724, 0.621451, 0.657202, 0.536704, 0.571243, 0.620931,
                0.673736, 0.728272, 0.784539, 0.843923, 0.885734, 0.623269, 0.660838, 0.714855, 0.771987, 0.830852,
                0.891447, 0.955159, 1.0,
            ]
        ),
    ]

    @Test("Bilinear resizing samples as OpenCV's INTER_LINEAR", arguments: 0..<3)
    func bilinearResizingMatchesOpenCV(_ index: Int) {
        let (width, height, expected) = Self.opencv[index]
        let got = InputResize.size(width: width, height: height).apply(to: Self.source)
        #expect(got.width == width && got.height == height)
        let worst = zip(got.values, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-6, "worst \(worst)")
    }

    /// PaddleOCR's DetResizeForTest (limit_type max): ratio = N / max side when over N, ⌊side·ratio⌋,
    /// then max(round(side / M)·M, M) with Python's round (half to even).
    @Test(
        "The longer side is limited, then each side rounded to the multiple",
        arguments: [
            (1000, 600, 960, 32, 960, 576), (451, 300, 960, 32, 448, 288), (640, 427, 960, 32, 640, 416),
            (3000, 100, 960, 32, 960, 32), (48, 80, 960, 32, 64, 64), (6, 5, 3, 2, 4, 2),
        ])
    func detResizeForTestSizes(_ w: Int, _ h: Int, _ maxSide: Int, _ multiple: Int, _ ew: Int, _ eh: Int) {
        let size = InputResize.limit(maxSide: maxSide, multiple: multiple).size(width: w, height: h)
        #expect(size.width == ew && size.height == eh)
    }
}
