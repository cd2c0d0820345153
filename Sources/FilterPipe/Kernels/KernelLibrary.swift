// The built-in kernels that `filter NAME = KERNEL param=value ...` names. Weights are applied as
// cross-correlation (no flip), with x to the right and y downwards from the centre (i, j) = (h, h),
// h = (size − 1) / 2, so x = j − h and y = i − h:
//   gaussian  g(x, y) = exp(−(x² + y²) / 2σ²) / Σ exp(...)                          (sum 1)
//   log       l(x, y) = g(x, y) · (x² + y² − 2σ²) / σ⁴, minus its mean              (sum 0, MATLAB fspecial)
//   gabor     with u = −x, v = −y (OpenCV stores the kernel flipped),
//             x' = u cos θ + v sin θ,  y' = −u sin θ + v cos θ:
//             exp(−(x'² + γ² y'²) / 2σ²) · cos(2π x' / λ + ψ)                    (OpenCV getGaborKernel)
//   box 1/size², identity δ(x, y), sharpen δ − amount · [0 1 0; 1 −4 1; 0 1 0]
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The catalogue of named kernels for filter files and `filterpipe kernels`.
public enum KernelLibrary {
    /// Every kernel, in the order `filterpipe kernels` lists them.
    public static let all: [KernelDefinition] = [
        identity, box, gaussian, sobelX, sobelY, scharrX, scharrY, prewittX, prewittY,
        laplacian, laplacianOfGaussian, sharpen, emboss, gabor, kirsch,
    ]

    /// The kernel called `name`, if any.
    public static func kernel(named name: String) -> KernelDefinition? {
        all.first { $0.name == name }
    }

    /// The weights of kernel `name` for `parameters` (missing ones take their defaults).
    public static func matrix(
        named name: String,
        parameters: [String: KernelArgument] = [:]
    ) throws(KernelParameterError) -> Matrix {
        guard let definition = kernel(named: name) else {
            throw KernelParameterError(parameter: nil, message: "unknown kernel '\(name)' (expected \(knownNames))")
        }
        return try definition.matrix(parameters)
    }

    /// The weights of kernel `name` with parameters written as in a filter file (`sigma` → `"1.5"`),
    /// checked as the parser checks them; misspelt names get a "did you mean".
    public static func matrix(named name: String, writtenArguments: [(name: String, value: String)]) throws(KernelParameterError)
        -> Matrix
    {
        guard let definition = kernel(named: name) else {
            throw KernelParameterError(
                parameter: nil,
                message: "unknown kernel '\(name)' (expected \(knownNames))" + Suggestion.hint(for: name, among: all.map(\.name)))
        }
        var arguments: [String: KernelArgument] = [:]
        let names = definition.parameters.map(\.name)
        for (key, text) in writtenArguments {
            guard let parameter = definition.parameters.first(where: { $0.name == key }) else {
                let known = names.isEmpty ? "kernel \(name) takes no parameters" : "expected " + names.joined(separator: ", ")
                throw KernelParameterError(
                    parameter: key,
                    message: "unknown parameter '\(key)' for kernel \(name) (\(known))" + Suggestion.hint(for: key, among: names))
            }
            guard arguments[key] == nil else {
                throw KernelParameterError(parameter: key, message: "duplicate parameter '\(key)'")
            }
            let invalid = "invalid value '\(text)' for \(key) (expected \(parameter.expected))"
            guard let argument = parameter.argument(fromText: text) else {
                throw KernelParameterError(parameter: key, message: invalid)
            }
            do {
                arguments[key] = try parameter.validate(argument)
            } catch {
                throw KernelParameterError(
                    parameter: key, message: error.message.hasPrefix("invalid value") ? invalid : error.message)
            }
        }
        return try definition.matrix(arguments)
    }

    /// "box, emboss, ...": every kernel name, for error messages.
    public static var knownNames: String { all.map(\.name).joined(separator: ", ") }

    // MARK: - Parameters shared by several kernels

    private static func sizeParameter(default value: Int, minimum: Int = 1, odd: Bool = true) -> KernelDefinition.Parameter {
        .init(
            name: "size", kind: .integer(minimum: minimum), defaultValue: .integer(value),
            meaning: odd ? "width and height in pixels, odd" : "width and height in pixels")
    }

    private static func sigmaParameter(default value: Double) -> KernelDefinition.Parameter {
        .init(
            name: "sigma", kind: .number(positive: true), defaultValue: .number(value),
            meaning: "standard deviation of the Gaussian, pixels")
    }

    /// A centred kernel needs an odd size: an even one has no centre pixel.
    private static func oddSize(_ arguments: KernelDefinition.Arguments, kernel: String) throws(KernelParameterError) -> Int {
        let size = arguments.integer("size")
        guard size % 2 == 1 else {
            throw KernelParameterError(
                parameter: "size",
                message: "size=\(size) must be odd for \(kernel) (a centred kernel)")
        }
        return size
    }

    /// `size`×`size` values `f(x, y)` with x, y measured from the centre (x right, y down).
    private static func centred(_ size: Int, _ f: (Double, Double) -> Double) -> [[Double]] {
        let half = Double(size - 1) / 2
        return (0..<size).map { i in (0..<size).map { j in f(Double(j) - half, Double(i) - half) } }
    }

    private static func fixed(_ name: String, _ meaning: String, _ rows: [[Double]]) -> KernelDefinition {
        KernelDefinition(name: name, meaning: meaning, parameters: []) { _ throws(KernelParameterError) in rows }
    }

    private static func transpose(_ rows: [[Double]]) -> [[Double]] {
        (0..<rows[0].count).map { j in rows.map { $0[j] } }
    }

    // MARK: - The kernels

    static let identity = KernelDefinition(
        name: "identity", meaning: "copies the input: 1 at the centre, 0 elsewhere",
        parameters: [sizeParameter(default: 3)]
    ) { arguments throws(KernelParameterError) in
        let size = try oddSize(arguments, kernel: "identity")
        return centred(size) { x, y in x == 0 && y == 0 ? 1 : 0 }
    }

    static let box = KernelDefinition(
        name: "box", meaning: "mean of a size×size square (blur); weights 1/size², sum 1",
        parameters: [sizeParameter(default: 3, odd: false)]
    ) { arguments throws(KernelParameterError) in
        let size = arguments.integer("size")
        return centred(size) { _, _ in 1 / Double(size * size) }
    }

    static let gaussian = KernelDefinition(
        name: "gaussian", meaning: "Gaussian blur exp(−(x²+y²)/2σ²), normalised to sum 1",
        parameters: [sizeParameter(default: 5), sigmaParameter(default: 1)]
    ) { arguments throws(KernelParameterError) in
        let size = try oddSize(arguments, kernel: "gaussian")
        return gaussianValues(size: size, sigma: arguments.number("sigma"))
    }

    private static func gaussianValues(size: Int, sigma: Double) -> [[Double]] {
        let raw = centred(size) { x, y in exp(-(x * x + y * y) / (2 * sigma * sigma)) }
        let total = raw.joined().reduce(0, +)
        return raw.map { $0.map { $0 / total } }
    }

    static let sobelX = fixed(
        "sobel_x", "horizontal gradient: positive where brightness rises to the right",
        [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    static let sobelY = fixed(
        "sobel_y", "vertical gradient: positive where brightness rises downwards",
        transpose(sobelX.fixedRows))
    static let scharrX = fixed(
        "scharr_x", "horizontal gradient, more rotation-invariant than Sobel (3, 10, 3)",
        [[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]])
    static let scharrY = fixed(
        "scharr_y", "vertical gradient, more rotation-invariant than Sobel (3, 10, 3)",
        transpose(scharrX.fixedRows))
    static let prewittX = fixed(
        "prewitt_x", "horizontal gradient with equal row weights",
        [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]])
    static let prewittY = fixed(
        "prewitt_y", "vertical gradient with equal column weights",
        transpose(prewittX.fixedRows))

    static let laplacian = KernelDefinition(
        name: "laplacian", meaning: "second derivative, negative centre: responds to spots and edges, sum 0",
        parameters: [
            .init(
                name: "neighbours", kind: .choice(["4", "8"]), defaultValue: .choice("4"),
                meaning: "4: edge neighbours only; 8: diagonals too")
        ]
    ) { arguments throws(KernelParameterError) in
        arguments.choice("neighbours") == "4"
            ? [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
            : [[1, 1, 1], [1, -8, 1], [1, 1, 1]]
    }

    static let laplacianOfGaussian = KernelDefinition(
        name: "log", meaning: "Laplacian of Gaussian (blob/edge detector), negative centre, sum 0",
        parameters: [sizeParameter(default: 9, minimum: 3), sigmaParameter(default: 1.4)]
    ) { arguments throws(KernelParameterError) in
        let size = try oddSize(arguments, kernel: "log")
        let sigma = arguments.number("sigma")
        let blur = gaussianValues(size: size, sigma: sigma)
        let variance = sigma * sigma
        let half = Double(size - 1) / 2
        let raw = blur.enumerated().map { i, row in
            row.enumerated().map { j, g in
                let x = Double(j) - half, y = Double(i) - half
                return g * (x * x + y * y - 2 * variance) / (variance * variance)
            }
        }
        let mean = raw.joined().reduce(0, +) / Double(size * size)
        return raw.map { $0.map { $0 - mean } }
    }

    static let sharpen = KernelDefinition(
        name: "sharpen", meaning: "identity plus amount × (−4-neighbour Laplacian); amount 1: [0 −1 0; −1 5 −1; 0 −1 0]",
        parameters: [
            .init(
                name: "amount", kind: .number(positive: true), defaultValue: .number(1),
                meaning: "strength of the added edges")
        ]
    ) { arguments throws(KernelParameterError) in
        let amount = arguments.number("amount")
        return [[0, -amount, 0], [-amount, 1 + 4 * amount, -amount], [0, -amount, 0]]
    }

    static let emboss = fixed(
        "emboss", "relief effect: bright where the image brightens towards the bottom right, sum 1",
        [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])

    static let gabor = KernelDefinition(
        name: "gabor", meaning: "oriented stripe detector: Gaussian envelope × cosine wave (OpenCV getGaborKernel)",
        parameters: [
            sizeParameter(default: 15),
            .init(
                name: "sigma", kind: .number(positive: true), defaultValue: .number(3),
                meaning: "standard deviation of the envelope along the wave, pixels"),
            .init(
                name: "theta", kind: .number(positive: false), defaultValue: .number(0),
                meaning: "orientation of the wave normal, degrees (0: vertical stripes)"),
            .init(
                name: "lambda", kind: .number(positive: true), defaultValue: .number(8),
                meaning: "wavelength, pixels"),
            .init(
                name: "gamma", kind: .number(positive: true), defaultValue: .number(0.5),
                meaning: "aspect ratio: envelope σ across the wave is sigma/gamma"),
            .init(
                name: "psi", kind: .number(positive: false), defaultValue: .number(90),
                meaning: "phase offset, degrees (90: odd, edge-like; 0: even, line-like)"),
        ]
    ) { arguments throws(KernelParameterError) in
        let size = try oddSize(arguments, kernel: "gabor")
        let sigma = arguments.number("sigma"), lambda = arguments.number("lambda")
        let gamma = arguments.number("gamma")
        let theta = arguments.number("theta") * Double.pi / 180
        let psi = arguments.number("psi") * Double.pi / 180
        let sigmaY = sigma / gamma
        return centred(size) { x, y in
            // OpenCV writes v(u, v) at (half − v, half − u): the stored kernel is point-mirrored.
            let u = -x, v = -y
            let along = u * cos(theta) + v * sin(theta)
            let across = -u * sin(theta) + v * cos(theta)
            let envelope = exp(-0.5 * along * along / (sigma * sigma) - 0.5 * across * across / (sigmaY * sigmaY))
            return envelope * cos(2 * Double.pi / lambda * along + psi)
        }
    }

    /// Kirsch compass masks: 5 on the three cells of the named side, −3 on the other five.
    static let kirsch = KernelDefinition(
        name: "kirsch", meaning: "compass edge: positive where the named side is brighter (5s there, −3 elsewhere)",
        parameters: [
            .init(
                name: "direction", kind: .choice(["n", "ne", "e", "se", "s", "sw", "w", "nw"]),
                defaultValue: .choice("n"), meaning: "the side that holds the 5s")
        ]
    ) { arguments throws(KernelParameterError) in
        // The 8 border cells clockwise from the top-left; each direction starts its three 5s at one of them.
        let ring = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0)]
        let start = ["nw": 7, "n": 0, "ne": 1, "e": 2, "se": 3, "s": 4, "sw": 5, "w": 6][arguments.choice("direction")]!
        var rows: [[Double]] = [[-3, -3, -3], [-3, 0, -3], [-3, -3, -3]]
        for k in 0..<3 {
            let (i, j) = ring[(start + k) % 8]
            rows[i][j] = 5
        }
        return rows
    }
}

extension KernelDefinition {
    /// The weights of a parameterless kernel.
    fileprivate var fixedRows: [[Double]] { try! values() }
}
