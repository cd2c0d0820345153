import Foundation
import Testing

@testable import FilterPipe

/// A kernel call and the matrix a published source gives for it (rows top to bottom).
struct PublishedKernel: Sendable, CustomTestStringConvertible {
    let name: String
    let parameters: [String: KernelArgument]
    let rows: [[Float]]
    var testDescription: String {
        ([name] + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
    }
}

private func rowsOf(_ matrix: Matrix) -> [[Float]] {
    (0..<matrix.rows).map { i in (0..<matrix.columns).map { j in matrix[i, j] } }
}

// Sobel/Scharr/Prewitt as in Gonzalez & Woods and OpenCV's Sobel/Scharr docs (x: right minus left,
// y: bottom minus top); Kirsch compass masks as in Kirsch (1971) / Wikipedia "Kirsch operator",
// the 5s on the named side; Laplacians and sharpen/emboss from the Wikipedia "Kernel (image processing)" table.
private let published: [PublishedKernel] = [
    .init(name: "sobel_x", parameters: [:], rows: [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    .init(name: "sobel_y", parameters: [:], rows: [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    .init(name: "scharr_x", parameters: [:], rows: [[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]]),
    .init(name: "scharr_y", parameters: [:], rows: [[-3, -10, -3], [0, 0, 0], [3, 10, 3]]),
    .init(name: "prewitt_x", parameters: [:], rows: [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]),
    .init(name: "prewitt_y", parameters: [:], rows: [[-1, -1, -1], [0, 0, 0], [1, 1, 1]]),
    .init(name: "laplacian", parameters: [:], rows: [[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    .init(name: "laplacian", parameters: ["neighbours": 4], rows: [[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    .init(name: "laplacian", parameters: ["neighbours": "8"], rows: [[1, 1, 1], [1, -8, 1], [1, 1, 1]]),
    .init(name: "sharpen", parameters: [:], rows: [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    .init(name: "sharpen", parameters: ["amount": 0.5], rows: [[0, -0.5, 0], [-0.5, 3, -0.5], [0, -0.5, 0]]),
    .init(name: "emboss", parameters: [:], rows: [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
    .init(name: "identity", parameters: [:], rows: [[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    .init(name: "identity", parameters: ["size": 1], rows: [[1]]),
    .init(name: "box", parameters: ["size": 2], rows: [[0.25, 0.25], [0.25, 0.25]]),
    .init(name: "kirsch", parameters: [:], rows: [[5, 5, 5], [-3, 0, -3], [-3, -3, -3]]),
    .init(name: "kirsch", parameters: ["direction": "n"], rows: [[5, 5, 5], [-3, 0, -3], [-3, -3, -3]]),
    .init(name: "kirsch", parameters: ["direction": "nw"], rows: [[5, 5, -3], [5, 0, -3], [-3, -3, -3]]),
    .init(name: "kirsch", parameters: ["direction": "w"], rows: [[5, -3, -3], [5, 0, -3], [5, -3, -3]]),
    .init(name: "kirsch", parameters: ["direction": "sw"], rows: [[-3, -3, -3], [5, 0, -3], [5, 5, -3]]),
    .init(name: "kirsch", parameters: ["direction": "s"], rows: [[-3, -3, -3], [-3, 0, -3], [5, 5, 5]]),
    .init(name: "kirsch", parameters: ["direction": "se"], rows: [[-3, -3, -3], [-3, 0, 5], [-3, 5, 5]]),
    .init(name: "kirsch", parameters: ["direction": "e"], rows: [[-3, -3, 5], [-3, 0, 5], [-3, -3, 5]]),
    .init(name: "kirsch", parameters: ["direction": "ne"], rows: [[-3, 5, 5], [-3, 0, 5], [-3, -3, -3]]),
]

@Test("fixed kernels equal their published matrices", arguments: published)
func kernelMatchesPublishedMatrix(_ kernel: PublishedKernel) throws {
    let matrix = try KernelLibrary.matrix(named: kernel.name, parameters: kernel.parameters)
    #expect(rowsOf(matrix) == kernel.rows)
}

@Test func gradientKernelsRespondPositivelyToBrightnessRisingRightAndDown() throws {
    // Cross-correlation with a ramp that rises to the right (x) or downwards (y).
    let rightwards: (Int, Int) -> Float = { _, j in Float(j) }
    let downwards: (Int, Int) -> Float = { i, _ in Float(i) }
    let cases: [(String, (Int, Int) -> Float)] = [
        ("sobel_x", rightwards), ("scharr_x", rightwards), ("prewitt_x", rightwards),
        ("sobel_y", downwards), ("scharr_y", downwards), ("prewitt_y", downwards),
    ]
    for (name, ramp) in cases {
        let matrix = try KernelLibrary.matrix(named: name)
        var response: Float = 0
        for i in 0..<3 { for j in 0..<3 { response += matrix[i, j] * ramp(i, j) } }
        #expect(response > 0, "\(name)")
    }
}

/// The 2-D Gaussian by its definition, in Double: exp(−(x²+y²)/2σ²) / Σ.
private func referenceGaussian(size: Int, sigma: Double) -> [[Double]] {
    let half = Double(size - 1) / 2
    var rows = [[Double]](repeating: [Double](repeating: 0, count: size), count: size)
    var total = 0.0
    for i in 0..<size {
        for j in 0..<size {
            let x = Double(j) - half, y = Double(i) - half
            rows[i][j] = exp(-(x * x + y * y) / (2 * sigma * sigma))
            total += rows[i][j]
        }
    }
    return rows.map { $0.map { $0 / total } }
}

@Test(
    "gaussian follows its formula, sums to 1 and is symmetric",
    arguments: [(3, 0.5), (5, 1.0), (5, 1.2), (7, 2.0), (11, 3.3)])
func gaussianMatchesFormulaAndSumsToOne(_ size: Int, _ sigma: Double) throws {
    let matrix = try KernelLibrary.matrix(named: "gaussian", parameters: ["size": .integer(size), "sigma": .number(sigma)])
    let reference = referenceGaussian(size: size, sigma: sigma)
    #expect(matrix.rows == size && matrix.columns == size)
    var total = 0.0
    for i in 0..<size {
        for j in 0..<size {
            #expect(abs(Double(matrix[i, j]) - reference[i][j]) < 1e-7)
            #expect(matrix[i, j] == matrix[j, i] && matrix[i, j] == matrix[size - 1 - i, size - 1 - j])
            total += Double(matrix[i, j])
        }
    }
    #expect(abs(total - 1) < 1e-6)
}

@Test func gaussianMatchesOpenCVSeparableKernel() throws {
    // cv2.getGaussianKernel(5, 1.2) g; rows 0 and 2 of g·gᵀ (OpenCV 5.0.0).
    let matrix = try KernelLibrary.matrix(named: "gaussian", parameters: ["size": 5, "sigma": 1.2])
    let row0 = [0.007332353719634485, 0.02077942342692856, 0.029405609661886836, 0.02077942342692856, 0.007332353719634485]
    let row2 = [0.029405609661886836, 0.08333362487070356, 0.11792800956557738, 0.08333362487070356, 0.029405609661886836]
    for j in 0..<5 {
        #expect(abs(Double(matrix[0, j]) - row0[j]) < 1e-8)
        #expect(abs(Double(matrix[2, j]) - row2[j]) < 1e-8)
    }
}

@Test func laplacianOfGaussianMatchesMATLABFspecialTable() throws {
    // MATLAB fspecial('log', 5, 0.5), as printed in its documentation (4 decimals).
    let published: [[Double]] = [
        [0.0448, 0.0468, 0.0564, 0.0468, 0.0448],
        [0.0468, 0.3167, 0.7146, 0.3167, 0.0468],
        [0.0564, 0.7146, -4.9048, 0.7146, 0.0564],
        [0.0468, 0.3167, 0.7146, 0.3167, 0.0468],
        [0.0448, 0.0468, 0.0564, 0.0468, 0.0448],
    ]
    let matrix = try KernelLibrary.matrix(named: "log", parameters: ["size": 5, "sigma": 0.5])
    for i in 0..<5 { for j in 0..<5 { #expect(abs(Double(matrix[i, j]) - published[i][j]) < 5e-5) } }
}

@Test("log sums to zero, is symmetric and negative at the centre", arguments: [(9, 1.4), (7, 1.0), (15, 2.5)])
func laplacianOfGaussianIsZeroSumAndSymmetric(_ size: Int, _ sigma: Double) throws {
    let matrix = try KernelLibrary.matrix(named: "log", parameters: ["size": .integer(size), "sigma": .number(sigma)])
    let total = matrix.values.reduce(0.0) { $0 + Double($1) }
    let largest = matrix.values.map { abs(Double($0)) }.max()!
    #expect(abs(total) < 1e-6 * largest * Double(size * size))
    let centre = (size - 1) / 2
    #expect(matrix[centre, centre] < 0)
    #expect(matrix[centre, centre] == matrix.values.min())
    for i in 0..<size { for j in 0..<size { #expect(matrix[i, j] == matrix[j, i]) } }
}

/// OpenCV getGaborKernel, transcribed in Double from its definition: v(x, y) stored at (ymax − y, xmax − x).
private func referenceGabor(
    size: Int, sigma: Double, thetaDegrees: Double, lambda: Double, gamma: Double,
    psiDegrees: Double
) -> [[Double]] {
    let theta = thetaDegrees * .pi / 180, psi = psiDegrees * .pi / 180
    let half = size / 2
    var kernel = [[Double]](repeating: [Double](repeating: 0, count: size), count: size)
    for y in -half...half {
        for x in -half...half {
            let xr = Double(x) * cos(theta) + Double(y) * sin(theta)
            let yr = -Double(x) * sin(theta) + Double(y) * cos(theta)
            let v =
                exp(-0.5 / (sigma * sigma) * xr * xr - 0.5 * gamma * gamma / (sigma * sigma) * yr * yr)
                * cos(2 * .pi / lambda * xr + psi)
            kernel[half - y][half - x] = v
        }
    }
    return kernel
}

struct GaborCase: Sendable, CustomTestStringConvertible {
    let theta: Double, psi: Double
    /// (row, column, value) read from cv2.getGaborKernel((11, 11), 2.5, radians(theta), 8, 0.5, radians(psi)).
    let openCV: [(Int, Int, Double)]
    var testDescription: String { "theta=\(theta) psi=\(psi)" }
}

@Test(
    "gabor equals OpenCV getGaborKernel",
    arguments: [
        GaborCase(
            theta: 30, psi: 90,
            openCV: [
                (5, 5, 0), (5, 7, 0.7540403962559159), (3, 6, -0.09493218226454256),
                (0, 10, 0.29823050154256353), (8, 2, -0.4928543692870882),
            ]),
        GaborCase(
            theta: 0, psi: 0,
            openCV: [
                (5, 5, 1), (5, 7, 0), (3, 6, 0.6025566517240064),
                (0, 10, -0.058042859160647275), (8, 2, -0.2874881634272849),
            ]),
        GaborCase(
            theta: 120, psi: 45,
            openCV: [
                (5, 5, 0.7071067811865476), (5, 7, 0), (3, 6, -0.5526404285413615),
                (0, 10, 0.022193300660097268), (8, 2, -0.19342818320170793),
            ]),
    ])
func gaborMatchesOpenCV(_ testCase: GaborCase) throws {
    let parameters: [String: KernelArgument] = [
        "size": 11, "sigma": 2.5, "theta": .number(testCase.theta),
        "lambda": 8, "gamma": 0.5, "psi": .number(testCase.psi),
    ]
    let matrix = try KernelLibrary.matrix(named: "gabor", parameters: parameters)
    for (row, column, value) in testCase.openCV {
        #expect(abs(Double(matrix[row, column]) - value) < 1e-6, "(\(row), \(column))")
    }
    let reference = referenceGabor(
        size: 11, sigma: 2.5, thetaDegrees: testCase.theta, lambda: 8, gamma: 0.5,
        psiDegrees: testCase.psi)
    for i in 0..<11 { for j in 0..<11 { #expect(abs(Double(matrix[i, j]) - reference[i][j]) < 1e-6) } }
}

@Test func oddGaborAtThetaZeroRespondsToBrightnessRisingRight() throws {
    // psi = 90°: an edge detector, like sobel_x under cross-correlation.
    let matrix = try KernelLibrary.matrix(named: "gabor", parameters: ["size": 7, "theta": 0, "psi": 90])
    var response: Float = 0
    for i in 0..<7 { for j in 0..<7 { response += matrix[i, j] * Float(j) } }
    #expect(response > 0)
}

@Test func boxAveragesAndIdentityIsADelta() throws {
    let box = try KernelLibrary.matrix(named: "box", parameters: ["size": 3])
    #expect(box.values == [Float](repeating: 1.0 / 9.0, count: 9))
    let identity = try KernelLibrary.matrix(named: "identity", parameters: ["size": 5])
    #expect(identity.values.enumerated().allSatisfy { $0.element == ($0.offset == 12 ? 1 : 0) })
}

@Test(
    "invalid kernel parameters are rejected with the parameter named",
    arguments: [
        ("gaussian", ["size": KernelArgument.integer(4)], "size=4 must be odd for gaussian (a centred kernel)"),
        ("gaussian", ["sigma": 0], "invalid value '0' for sigma (expected a number > 0)"),
        ("gabor", ["lambda": -2.0], "invalid value '-2' for lambda (expected a number > 0)"),
        ("log", ["size": 1], "invalid value '1' for size (expected an integer ≥ 3)"),
        ("kirsch", ["direction": "up"], "invalid value 'up' for direction (expected n, ne, e, se, s, sw, w or nw)"),
        ("laplacian", ["neighbours": 6], "invalid value '6' for neighbours (expected 4 or 8)"),
        ("sobel_x", ["size": 3], "unknown parameter 'size' for kernel sobel_x (sobel_x takes no parameters)"),
        (
            "blur", [:],
            "unknown kernel 'blur' (expected identity, box, gaussian, sobel_x, sobel_y, scharr_x, scharr_y, prewitt_x, prewitt_y, laplacian, log, sharpen, emboss, gabor, kirsch)"
        ),
    ])
func invalidKernelParameterIsRejected(_ name: String, _ parameters: [String: KernelArgument], _ message: String) {
    do {
        _ = try KernelLibrary.matrix(named: name, parameters: parameters)
        Issue.record("no error")
    } catch {
        #expect(error.message == message)
    }
}

@Test func everyKernelBuildsWithItsDefaultsAndDocumentsItsParameters() throws {
    #expect(Set(KernelLibrary.all.map(\.name)).count == KernelLibrary.all.count)
    for kernel in KernelLibrary.all {
        let matrix = try kernel.matrix()
        #expect(matrix.values.allSatisfy { $0.isFinite }, "\(kernel.name)")
        #expect(!kernel.meaning.isEmpty && kernel.parameters.allSatisfy { !$0.meaning.isEmpty })
    }
}
