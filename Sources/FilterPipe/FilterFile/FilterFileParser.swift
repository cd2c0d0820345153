// Filter file (v1) → PipelineSpec. One line at a time; the first error stops the parse.
// The parser checks syntax and what one line can decide alone; rules that relate lines (channel
// counts, kernel sizes within a bank, pad=same with a stride, the output image's map count) are the
// plan's (PipelinePlan), which points at the token through the spec's `stageDetails`.

/// Parses `.filter` files into a `PipelineSpec`.
public enum FilterFileParser {
    /// Parses `text`; errors name `fileName` with line and column. Weight files (`conv weights=`) are
    /// read relative to `directory`, by default the folder of `fileName` (the current one when it
    /// names none).
    public static func parse(_ text: String, fileName: String, directory: String? = nil) throws(FilterFileError)
        -> PipelineSpec
    {
        var reader = Reader(fileName: fileName, directory: directory ?? folder(of: fileName))
        for line in FilterFileLexer.lines(of: text) {
            try reader.read(line)
        }
        return try reader.finish()
    }

    /// `samples/filters` for `samples/filters/a.filter`; nil (the current folder) for `a.filter`.
    static func folder(of path: String) -> String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static let stageKeywords = ["onnx", "conv", "relu", "abs", "leaky_relu", "sigmoid", "tanh", "maxpool", "avgpool", "output"]
    private static let filterNameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")

    /// A matrix being read row by row.
    private struct MatrixBuilder {
        /// The `channel` line, or the first row of a broadcast matrix.
        var location: SourceLocation
        var firstRowLine = 0
        var columns = 0
        var rows = 0
        var values: [Float] = []

        var matrix: Matrix { Matrix(rows: rows, columns: columns, values: values) }
    }

    /// A filter being read: a named kernel, one broadcast matrix, or one matrix per `channel` section.
    private struct FilterBuilder {
        var name: String
        var location: SourceLocation
        var bias: Float = 0
        var kernel: (name: String, matrix: Matrix)?
        var broadcast: MatrixBuilder?
        var channels: [MatrixBuilder] = []
    }

    /// A conv bank being read.
    private struct BankBuilder {
        var conv = ConvSpec(filters: [])
        var location: SourceLocation
        var details = SourceDetails()
        /// Set when the bank came from `weights=`: it takes no filter lines.
        var weightsLocation: SourceLocation?
        var filterLines: [String: Int] = [:]
        var filter: FilterBuilder?
    }

    private struct Reader {
        let fileName: String
        let directory: String?
        var spec = PipelineSpec()
        var inputLine: Int?
        var outputLine: Int?
        var bank: BankBuilder?

        init(fileName: String, directory: String?) {
            self.fileName = fileName
            self.directory = directory
        }

        /// Refuses a filter, channel or matrix row line in a bank from a weight file.
        func refuseInWeightBank(_ line: FilterFileLine) throws(FilterFileError) {
            guard let bank, let at = bank.weightsLocation else { return }
            throw error(
                line, line.tokens[0],
                "'\(line.tokens[0].text)' in a bank from a weight file (the conv at line \(at.line) takes its filters from weights=)"
            )
        }

        func error(_ line: FilterFileLine, _ token: FilterFileToken, _ message: String) -> FilterFileError {
            FilterFileError(
                file: fileName, location: SourceLocation(line: line.number, column: token.column),
                message: message)
        }

        func error(_ location: SourceLocation, _ message: String) -> FilterFileError {
            FilterFileError(file: fileName, location: location, message: message)
        }

        static func looksNumeric(_ token: FilterFileToken) -> Bool {
            guard token.kind == .word, let first = token.text.first else { return token.kind == .comma }
            return first.isNumber || first == "-" || first == "+" || first == "."
                || ["nan", "inf", "infinity"].contains(token.text.lowercased())
        }

        mutating func read(_ line: FilterFileLine) throws(FilterFileError) {
            let head = line.tokens[0]
            if let outputLine {
                throw error(line, head, "'\(head.text)' after the output line (output, at line \(outputLine), must be last)")
            }
            if Self.looksNumeric(head) { return try readRow(line) }
            guard head.kind == .word else {
                throw error(
                    line, head,
                    "unexpected '\(head.text)' at the start of a line (expected a stage, filter, channel or matrix row)")
            }
            switch head.text {
            case "input": try readInput(line)
            case "onnx":
                try closeBank()
                try readNetwork(line)
            case "filter": try readFilter(line)
            case "channel": try readChannel(line)
            case "channels": try readChannelWeights(line)
            case "conv":
                try closeBank()
                try readConv(line)
            case "relu", "abs", "sigmoid", "tanh", "leaky_relu":
                try closeBank()
                try readActivation(line)
            case "maxpool", "avgpool":
                try closeBank()
                try readPool(line)
            case "output":
                try closeBank()
                try readOutput(line)
            default:
                let stages = FilterFileParser.stageKeywords.joined(separator: ", ")
                let keywords =
                    ["input"] + FilterFileParser.stageKeywords + (bank != nil ? ["filter", "channel", "channels"] : [])
                let hint = Suggestion.hint(for: head.text, among: keywords)
                if bank != nil {
                    throw error(
                        line, head,
                        "unknown stage '\(head.text)' (expected \(stages); in a conv bank also filter, channel or a matrix row)\(hint)"
                    )
                }
                throw error(line, head, "unknown stage '\(head.text)' (expected \(stages))\(hint)")
            }
        }

        // MARK: input and output

        mutating func readInput(_ line: FilterFileLine) throws(FilterFileError) {
            let head = line.tokens[0]
            if let inputLine { throw error(line, head, "duplicate input line (first at line \(inputLine))") }
            if !spec.stages.isEmpty || bank != nil {
                throw error(line, head, "input after a stage (the input line must come before every stage)")
            }
            let modes = InputMode.allCases.map(\.rawValue).joined(separator: ", ")
            guard line.tokens.count >= 2 else {
                throw error(line, head, "missing input mode after 'input' (expected \(modes))")
            }
            let word = line.tokens[1]
            guard word.kind == .word, let mode = InputMode(rawValue: word.text) else {
                throw error(
                    line, word,
                    "unknown input mode '\(word.text)' (expected \(modes))"
                        + Suggestion.hint(for: word.text, among: InputMode.allCases.map(\.rawValue)))
            }
            let options = try FilterFileOptions(
                line.tokens.dropFirst(2), owner: "input",
                allowed: .init(
                    names: ["scale", "mean", "std"], lists: ["mean", "std"],
                    expected: ["scale": "<number>", "mean": "<number>,…", "std": "<number>,… (none 0)"]),
                fileName: fileName, lineNumber: line.number)
            var scaling = InputScaling()
            scaling.scale = try options.number("scale") ?? 1
            scaling.mean = try options.numbers("mean") ?? []
            scaling.std = try options.numbers("std") ?? []
            if let zero = scaling.std.firstIndex(of: 0), let token = options.entries["std"]?.values[zero] {
                throw error(line, token, "std value \(zero + 1) is 0 (values are divided by std)")
            }
            spec.inputScaling = scaling
            spec.inputDetails = SourceDetails(options: options.locations)
            spec.input = mode
            inputLine = line.number
        }

        mutating func readOutput(_ line: FilterFileLine) throws(FilterFileError) {
            var rest = line.tokens.dropFirst()
            var output = OutputSpec()
            if let first = rest.first, first.kind == .word,
                rest.dropFirst().first?.kind != .equals
            {
                guard let kind = OutputSpec.Kind(rawValue: first.text) else {
                    let kinds = OutputSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                    throw error(
                        line, first,
                        "unknown output kind '\(first.text)' (expected \(kinds))"
                            + Suggestion.hint(for: first.text, among: OutputSpec.Kind.allCases.map(\.rawValue)))
                }
                output.kind = kind
                spec.outputKindLocation = SourceLocation(line: line.number, column: first.column)
                rest = rest.dropFirst()
            }
            let options = try FilterFileOptions(
                rest, owner: "output",
                allowed: .init(
                    names: ["normalize", "colormap", "percentile", "range"],
                    expected: [
                        "normalize": "percentile|minmax|global|symmetric|clamp|range",
                        "colormap": "gray|viridis|magma|diverging",
                        "percentile": "<number above 50, at most 100>",
                        "range": "LO..HI",
                    ]),
                fileName: fileName, lineNumber: line.number)
            output.normalization = try options.choice("normalize", as: OutputSpec.Normalization.self)
            output.colormap = try options.choice("colormap", as: OutputSpec.Colormap.self)
            try OutputScalingOptions.read(options, into: &output)
            spec.output = output
            outputLine = line.number
        }

        // MARK: stages

        /// `onnx FILE [until=TENSOR]`: the model, relative to the filter file; the only stage.
        mutating func readNetwork(_ line: FilterFileLine) throws(FilterFileError) {
            let head = line.tokens[0]
            if !spec.stages.isEmpty || spec.network != nil {
                throw error(line, head, "onnx after another stage (a model's stage comes first and alone, before output)")
            }
            guard line.tokens.count >= 2, line.tokens[1].kind == .word,
                line.tokens.count == 2 || line.tokens[2].kind != .equals
            else { throw error(line, head, "missing model file after 'onnx' (expected onnx FILE.onnx [until=TENSOR])") }
            let file = line.tokens[1]
            let options = try FilterFileOptions(
                line.tokens.dropFirst(2), owner: "onnx",
                allowed: .init(names: ["until"], expected: ["until": "TENSOR"]), fileName: fileName,
                lineNumber: line.number)
            let untilToken = options.valueToken("until")
            let path = directory.map { file.text.hasPrefix("/") ? file.text : $0 + "/" + file.text } ?? file.text
            spec.network = NetworkReference(
                reference: file.text, path: path, until: untilToken?.text,
                location: SourceLocation(line: line.number, column: head.column),
                fileLocation: SourceLocation(line: line.number, column: file.column),
                untilLocation: untilToken.map { SourceLocation(line: line.number, column: $0.column) },
                inputGiven: inputLine != nil)
        }

        mutating func appendStage(_ stage: StageSpec, at line: FilterFileLine, options: FilterFileOptions) throws(FilterFileError)
        {
            try refuseAfterNetwork(line)
            spec.stages.append(stage)
            spec.stageLocations.append(SourceLocation(line: line.number, column: line.tokens[0].column))
            spec.stageDetails.append(SourceDetails(options: options.locations))
        }

        func refuseAfterNetwork(_ line: FilterFileLine) throws(FilterFileError) {
            if let network = spec.network {
                throw error(
                    line, line.tokens[0],
                    "'\(line.tokens[0].text)' after the onnx stage (line \(network.location.line)): stages after a model are not supported; its output is the pipeline's"
                )
            }
        }

        mutating func readActivation(_ line: FilterFileLine) throws(FilterFileError) {
            let head = line.tokens[0]
            let isLeaky = head.text == "leaky_relu"
            let options = try FilterFileOptions(
                line.tokens.dropFirst(), owner: head.text,
                allowed: .init(names: isLeaky ? ["slope"] : [], expected: ["slope": "<number>"]),
                fileName: fileName, lineNumber: line.number)
            let activation: Activation =
                switch head.text {
                case "relu": .relu
                case "abs": .abs
                case "sigmoid": .sigmoid
                case "tanh": .tanh
                default: .leakyReLU(slope: try options.number("slope") ?? 0.01)
                }
            try appendStage(.activation(activation), at: line, options: options)
        }

        mutating func readPool(_ line: FilterFileLine) throws(FilterFileError) {
            let head = line.tokens[0]
            let options = try FilterFileOptions(
                line.tokens.dropFirst(), owner: head.text,
                allowed: .init(
                    names: ["size", "stride", "pad", "ceil_mode"],
                    expected: [
                        "size": "<integer ≥ 1>", "stride": "<integer ≥ 1>",
                        "pad": "<integer ≥ 0>", "ceil_mode": "true|false",
                    ]),
                fileName: fileName, lineNumber: line.number)
            let size = try options.integer("size", minimum: 1) ?? 2
            let stride = try options.integer("stride", minimum: 1) ?? size
            let pad = try options.integer("pad", minimum: 0) ?? 0
            if pad > size / 2, let token = options.valueToken("pad") {
                throw error(line, token, "pad=\(pad) is more than half the window (expected pad ≤ size/2 = \(size / 2))")
            }
            let ceilMode = try options.boolean("ceil_mode") ?? false
            let kind: PoolKind = head.text == "maxpool" ? .max : .average
            try appendStage(
                .pool(PoolSpec(kind: kind, size: size, stride: stride, pad: pad, ceilMode: ceilMode)), at: line,
                options: options)
        }

        mutating func readConv(_ line: FilterFileLine) throws(FilterFileError) {
            try refuseAfterNetwork(line)
            let head = line.tokens[0]
            let options = try FilterFileOptions(
                line.tokens.dropFirst(), owner: "conv",
                allowed: .init(
                    names: ["stride", "pad", "pad_mode", "dilation", "depthwise", "weights", "bias", "filters"],
                    flags: ["depthwise"],
                    expected: [
                        "stride": "<integer ≥ 1>", "pad": "<integer ≥ 0>|same",
                        "pad_mode": "zero|replicate|reflect|circular",
                        "dilation": "<integer ≥ 1>", "weights": "FILE.npy|FILE.safetensors:TENSOR",
                        "bias": "FILE.npy|FILE.safetensors:TENSOR", "filters": "A..B",
                    ]),
                fileName: fileName, lineNumber: line.number)
            var conv = ConvSpec(filters: [])
            conv.stride = try options.integer("stride", minimum: 1) ?? 1
            if let token = options.valueToken("pad") {
                if token.text == "same" {
                    conv.padding = .same
                } else {
                    guard let pad = Int(token.text), pad >= 0, pad <= FilterFileOptions.largestInteger else {
                        throw error(line, token, "invalid value '\(token.text)' for pad (expected an integer ≥ 0 or same)")
                    }
                    conv.padding = .explicit(pad)
                }
            }
            conv.padMode = try options.choice("pad_mode", as: PadMode.self) ?? .zero
            conv.dilation = try options.integer("dilation", minimum: 1) ?? 1
            conv.depthwise = options.has("depthwise")
            var details = SourceDetails(options: options.locations)
            var weightsLocation: SourceLocation?
            if let loaded = try WeightBank.load(options, directory: directory, fileName: fileName) {
                conv.filters = loaded.filters
                details.weights = loaded.source
                // Every filter holds one matrix per channel of the file, even a single one: the plan
                // then refuses a file whose channel count is not the input's instead of broadcasting.
                if !conv.depthwise { details.sectionedFilters = Set(conv.filters.indices) }
                weightsLocation = options.valueToken("weights").map { SourceLocation(line: line.number, column: $0.column) }
            }
            bank = BankBuilder(
                conv: conv, location: SourceLocation(line: line.number, column: head.column),
                details: details, weightsLocation: weightsLocation)
        }

        /// Ends the open conv bank, if any: its last filter, then the bank itself.
        mutating func closeBank() throws(FilterFileError) {
            guard var bank else { return }
            try closeFilter(&bank)
            if bank.conv.filters.isEmpty {
                throw error(bank.location, "conv has no filters (expected 'filter' lines after it)")
            }
            spec.stages.append(.conv(bank.conv))
            spec.stageLocations.append(bank.location)
            spec.stageDetails.append(bank.details)
            self.bank = nil
        }

        // MARK: filters

        mutating func readFilter(_ line: FilterFileLine) throws(FilterFileError) {
            let head = line.tokens[0]
            guard var bank else {
                throw error(line, head, "filter outside a conv bank (expected a 'conv' line before it)")
            }
            try refuseInWeightBank(line)
            try closeFilter(&bank)
            guard line.tokens.count >= 2, line.tokens[1].kind == .word else {
                let at = line.tokens.count >= 2 ? line.tokens[1] : head
                throw error(line, at, "missing filter name (expected 'filter NAME' or 'filter NAME = KERNEL')")
            }
            let nameToken = line.tokens[1]
            let name = nameToken.text
            guard let first = name.first, first.isLetter || first == "_",
                name.allSatisfy({ FilterFileParser.filterNameCharacters.contains($0) })
            else {
                throw error(
                    line, nameToken,
                    "invalid filter name '\(name)' (expected letters, digits, '_', '-' or '.', starting with a letter or '_')")
            }
            if let firstLine = bank.filterLines[name] {
                throw error(line, nameToken, "duplicate filter name '\(name)' in this bank (first at line \(firstLine))")
            }
            bank.filterLines[name] = line.number
            var filter = FilterBuilder(name: name, location: SourceLocation(line: line.number, column: head.column))
            var rest = line.tokens.dropFirst(2)
            if let equals = rest.first, equals.kind == .equals {
                rest = rest.dropFirst()
                guard let kernelToken = rest.first, kernelToken.kind == .word else {
                    throw error(
                        line, rest.first ?? equals, "missing kernel name after '=' (expected \(KernelLibrary.knownNames))")
                }
                guard let definition = KernelLibrary.kernel(named: kernelToken.text) else {
                    let hint = Suggestion.hint(for: kernelToken.text, among: KernelLibrary.all.map(\.name))
                    throw error(
                        line, kernelToken, "unknown kernel '\(kernelToken.text)' (expected \(KernelLibrary.knownNames))\(hint)")
                }
                rest = rest.dropFirst()
                let parameterNames = definition.parameters.map(\.name)
                var expected = ["bias": "<number>"]
                for parameter in definition.parameters { expected[parameter.name] = "<\(parameter.expected)>" }
                let options = try FilterFileOptions(
                    rest, owner: "kernel \(definition.name)",
                    allowed: .init(names: parameterNames + ["bias"], expected: expected),
                    fileName: fileName, lineNumber: line.number, noun: "parameter")
                filter.bias = try options.number("bias") ?? 0
                var arguments: [String: KernelArgument] = [:]
                for parameter in definition.parameters {
                    guard let token = options.valueToken(parameter.name) else { continue }
                    let invalid = "invalid value '\(token.text)' for \(parameter.name) (expected \(parameter.expected))"
                    guard let argument = parameter.argument(fromText: token.text) else { throw error(line, token, invalid) }
                    do {
                        arguments[parameter.name] = try parameter.validate(argument)
                    } catch let failure {
                        // Quote the value as written ("1.50"), not as parsed.
                        throw error(line, token, failure.message.hasPrefix("invalid value") ? invalid : failure.message)
                    }
                }
                do {
                    filter.kernel = (definition.name, try definition.matrix(arguments))
                } catch let failure {
                    let token = failure.parameter.flatMap { options.valueToken($0) } ?? kernelToken
                    throw error(line, token, failure.message)
                }
            } else {
                if let word = rest.first, word.kind == .word, rest.dropFirst().first?.kind != .equals,
                    KernelLibrary.kernel(named: word.text) != nil
                {
                    throw error(
                        line, word,
                        "unexpected '\(word.text)' after 'filter \(name)'; for the built-in kernel write 'filter \(name) = \(word.text)'"
                    )
                }
                let options = try FilterFileOptions(
                    rest, owner: "filter", allowed: .init(names: ["bias"], expected: ["bias": "<number>"]),
                    fileName: fileName, lineNumber: line.number)
                filter.bias = try options.number("bias") ?? 0
            }
            bank.filter = filter
            self.bank = bank
        }

        mutating func readChannel(_ line: FilterFileLine) throws(FilterFileError) {
            let head = line.tokens[0]
            guard var bank else {
                throw error(line, head, "channel outside a conv bank (expected 'conv', then 'filter NAME', before it)")
            }
            try refuseInWeightBank(line)
            guard var filter = bank.filter else {
                throw error(line, head, "channel before any filter of this bank (expected a 'filter NAME' line before it)")
            }
            if line.tokens.count > 1 {
                throw error(
                    line, line.tokens[1],
                    "unexpected '\(line.tokens[1].text)' after 'channel' (its matrix rows go on the following lines)")
            }
            if bank.conv.depthwise {
                throw error(
                    line, head,
                    "channel section in a depthwise conv (each depthwise filter is one matrix, applied to every channel separately)"
                )
            }
            if let kernel = filter.kernel {
                throw error(
                    line, head,
                    "channel section in filter '\(filter.name)', which is the named kernel \(kernel.name) (a filter is either a kernel or matrices)"
                )
            }
            if filter.broadcast != nil {
                throw error(
                    line, head,
                    "channel section after the matrix rows of filter '\(filter.name)' (give one matrix for all channels, or one channel section per channel, not both)"
                )
            }
            if let last = filter.channels.last, last.location.line == last.firstRowLine {
                throw error(
                    line, head,
                    "channel section after the channels line of filter '\(filter.name)' (a channels line gives the whole filter)"
                )
            }
            try closeChannel(&filter)
            filter.channels.append(MatrixBuilder(location: SourceLocation(line: line.number, column: head.column)))
            bank.filter = filter
            self.bank = bank
        }

        /// `channels W1 W2 … WC`: a 1×1 per-channel filter in one line, the same as C `channel`
        /// sections of one weight each (a channel mix).
        mutating func readChannelWeights(_ line: FilterFileLine) throws(FilterFileError) {
            let head = line.tokens[0]
            guard var bank, var filter = bank.filter else {
                throw error(line, head, "channels outside a filter (expected 'conv' and 'filter NAME' lines before it)")
            }
            if bank.conv.depthwise {
                throw error(line, head, "channels line in a depthwise conv (each depthwise filter is one matrix)")
            }
            if filter.kernel != nil || filter.broadcast != nil || !filter.channels.isEmpty {
                throw error(
                    line, head,
                    "channels line in filter '\(filter.name)', which already has weights (give 'channels W1 … WC' alone)")
            }
            var weights: [(Float, FilterFileToken)] = []
            for token in line.tokens.dropFirst() {
                if token.kind == .comma { continue }
                guard token.kind == .word else {
                    throw error(
                        line, token, "unexpected '\(token.text)' in a channels line (expected one weight per input channel)")
                }
                weights.append(
                    (
                        try FilterFileOptions.finiteNumber(
                            token, what: "a channel weight", fileName: fileName, lineNumber: line.number), token
                    ))
            }
            // The count against the bank's input channels is the plan's rule, as for `channel` sections.
            let location = SourceLocation(line: line.number, column: head.column)
            filter.channels = weights.map { weight, _ in
                MatrixBuilder(location: location, firstRowLine: line.number, columns: 1, rows: 1, values: [weight])
            }
            bank.filter = filter
            self.bank = bank
        }

        /// Checks the last channel section of `filter`: it has rows and the size of the first.
        func closeChannel(_ filter: inout FilterBuilder) throws(FilterFileError) {
            guard let last = filter.channels.last else { return }
            let index = filter.channels.count
            if last.rows == 0 {
                throw error(
                    last.location,
                    "channel \(index) of filter '\(filter.name)' has no matrix rows (expected rows of numbers after 'channel')")
            }
            let first = filter.channels[0]
            if index > 1, last.rows != first.rows || last.columns != first.columns {
                throw error(
                    last.location,
                    "channel \(index) of filter '\(filter.name)' is \(last.rows)×\(last.columns) but channel 1 is \(first.rows)×\(first.columns) (every channel of a filter has the same size)"
                )
            }
        }

        /// Ends the open filter of `bank`, if any, and appends it to the bank.
        func closeFilter(_ bank: inout BankBuilder) throws(FilterFileError) {
            guard var filter = bank.filter else { return }
            try closeChannel(&filter)
            let matrices: [Matrix]
            if let kernel = filter.kernel {
                matrices = [kernel.matrix]
            } else if let broadcast = filter.broadcast {
                matrices = [broadcast.matrix]
            } else if !filter.channels.isEmpty {
                matrices = filter.channels.map(\.matrix)
            } else {
                let hint =
                    KernelLibrary.kernel(named: filter.name) != nil
                    ? "; for the built-in kernel write 'filter \(filter.name) = \(filter.name)'" : ""
                throw error(
                    filter.location,
                    "filter '\(filter.name)' has no weights (expected matrix rows or channel sections after it, or 'filter NAME = KERNEL'\(hint))"
                )
            }
            if !filter.channels.isEmpty { bank.details.sectionedFilters.insert(bank.conv.filters.count) }
            bank.conv.filters.append(FilterSpec(name: filter.name, bias: filter.bias, channels: matrices))
            bank.details.filters.append(filter.location)
            bank.filter = nil
        }

        // MARK: matrix rows

        mutating func readRow(_ line: FilterFileLine) throws(FilterFileError) {
            let head = line.tokens[0]
            guard var bank else {
                throw error(line, head, "matrix row outside a filter (expected 'conv' and 'filter NAME' lines before it)")
            }
            try refuseInWeightBank(line)
            guard var filter = bank.filter else {
                throw error(line, head, "matrix row before any filter of this bank (expected a 'filter NAME' line before it)")
            }
            if let kernel = filter.kernel {
                throw error(
                    line, head,
                    "matrix row in filter '\(filter.name)', which is the named kernel \(kernel.name) (a filter is either a kernel or matrices)"
                )
            }
            // Sections made by a `channels` line start on their own line (a `channel` section's
            // rows follow its line): a row after one would silently grow the last channel.
            if let last = filter.channels.last, last.location.line == last.firstRowLine {
                throw error(
                    line, head,
                    "matrix row after the channels line of filter '\(filter.name)' (a channels line gives the whole filter)")
            }
            var values: [Float] = []
            var tokenOfValue: [FilterFileToken] = []
            var expectNumber = true
            for token in line.tokens {
                switch token.kind {
                case .word:
                    values.append(
                        try FilterFileOptions.finiteNumber(
                            token, what: "a matrix value", fileName: fileName,
                            lineNumber: line.number))
                    tokenOfValue.append(token)
                    expectNumber = false
                case .comma:
                    if expectNumber {
                        throw error(line, token, "unexpected ',' in matrix row (expected a number before it)")
                    }
                    expectNumber = true
                case .equals:
                    throw error(line, token, "unexpected '=' in matrix row (expected numbers separated by spaces or commas)")
                }
            }
            if expectNumber, let last = line.tokens.last {
                throw error(line, last, "unexpected ',' at the end of a matrix row (expected a number after it)")
            }
            let location = SourceLocation(line: line.number, column: head.column)
            var matrix = filter.channels.last ?? filter.broadcast ?? MatrixBuilder(location: location)
            if matrix.rows == 0 {
                matrix.columns = values.count
            } else if values.count != matrix.columns {
                let token = values.count > matrix.columns ? tokenOfValue[matrix.columns] : head
                throw error(
                    line, token,
                    "ragged matrix: row has \(values.count) value\(values.count == 1 ? "" : "s") but the matrix's first row (line \(matrix.firstRowLine)) has \(matrix.columns)"
                )
            }
            if matrix.rows == 0 { matrix.firstRowLine = line.number }
            matrix.rows += 1
            matrix.values += values
            if filter.channels.isEmpty {
                filter.broadcast = matrix
            } else {
                filter.channels[filter.channels.count - 1] = matrix
            }
            bank.filter = filter
            self.bank = bank
        }

        mutating func finish() throws(FilterFileError) -> PipelineSpec {
            try closeBank()
            return spec
        }
    }
}
