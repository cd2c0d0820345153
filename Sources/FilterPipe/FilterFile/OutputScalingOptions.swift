// The scaling options of the `output` line, `percentile=P` and `range=LO..HI`, and the rules that
// tie them to `normalize` (shared with `apply --percentile/--range`). Kept apart from the parser
// proper so the output line's grammar changes in one place.

/// Reads and checks `percentile=` and `range=` of an output line.
enum OutputScalingOptions {
    static func read(_ options: FilterFileOptions, into output: inout OutputSpec) throws(FilterFileError) {
        if let token = options.valueToken("percentile") {
            let value = try FilterFileOptions.finiteNumber(
                token, what: "the value of percentile", fileName: options.fileName, lineNumber: options.lineNumber)
            if let problem = percentileProblem(value) {
                throw FilterFileOptions.error(options.fileName, options.lineNumber, token, problem)
            }
            output.percentile = value
        }
        if let token = options.valueToken("range") {
            switch parseRange(token.text) {
            case .success(let range): output.range = range
            case .failure(let problem):
                throw FilterFileOptions.error(options.fileName, options.lineNumber, token, problem.message)
            }
        }
        if let problem = conflict(output) {
            let token = options.valueToken("percentile") ?? options.valueToken("range") ?? options.valueToken("normalize")
            throw FilterFileOptions.error(options.fileName, options.lineNumber, token!, problem)
        }
    }

    /// Why P cannot be a percentile bound, or nil.
    static func percentileProblem(_ value: Float) -> String? {
        value > 50 && value <= 100
            ? nil
            : "percentile must be above 50 and at most 100, not \(value) (the range runs from the (100 − P)th to the Pth percentile)"
    }

    struct Problem: Error { var message: String }

    /// `LO..HI` with LO < HI, both finite decimals.
    static func parseRange(_ text: String) -> Result<ClosedRange<Float>, Problem> {
        // The separator is the first ".." after the first character (LO may start with '-' or '.').
        let characters = Array(text)
        var split: Int?
        if characters.count >= 2 {
            for i in 1..<(characters.count - 1) where characters[i] == "." && characters[i + 1] == "." {
                split = i
                break
            }
        }
        guard let split,
            let lo = FilterFileLexer.decimal(String(characters[..<split])).map(Float.init),
            let hi = FilterFileLexer.decimal(String(characters[(split + 2)...])).map(Float.init),
            lo.isFinite, hi.isFinite
        else {
            return .failure(Problem(message: "invalid range '\(text)' (expected LO..HI, e.g. range=-1..1 or range=0..0.5)"))
        }
        guard lo < hi else {
            return .failure(Problem(message: "range '\(text)' is empty: LO must be below HI"))
        }
        return .success(lo...hi)
    }

    /// Why the output's normalisation and its `percentile`/`range` do not go together, or nil.
    static func conflict(_ output: OutputSpec) -> String? {
        let mode = output.effectiveNormalization
        if output.percentile != nil && mode != .percentile {
            return "percentile= applies to normalize=percentile, not normalize=\(mode.rawValue)"
        }
        if output.range != nil && mode != .range {
            return "range= applies to normalize=range, not normalize=\(mode.rawValue)"
        }
        if mode == .range && output.range == nil {
            return "normalize=range needs range=LO..HI"
        }
        return nil
    }
}

extension OutputSpec {
    /// Why this output's scaling cannot apply (a percentile outside (50, 100], `percentile=` or
    /// `range=` with another normalisation, `normalize=range` without a range), or nil.
    public var scalingProblem: String? {
        if let percentile, let problem = OutputScalingOptions.percentileProblem(percentile) { return problem }
        return OutputScalingOptions.conflict(self)
    }

    /// `LO..HI` as written after `range=` (and `--range`), or the one-line reason it is not one.
    public static func parseRange(_ text: String) -> (range: ClosedRange<Float>?, problem: String?) {
        switch OutputScalingOptions.parseRange(text) {
        case .success(let range): (range, nil)
        case .failure(let problem): (nil, problem.message)
        }
    }
}
