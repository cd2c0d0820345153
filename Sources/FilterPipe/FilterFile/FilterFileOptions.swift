// `NAME=VALUE` options and `FLAG`s after a keyword, checked against what the keyword accepts.

/// The options of one line, each with the tokens it was written with (for error columns).
struct FilterFileOptions {
    /// What a keyword accepts: option names, and which of them are flags without a value.
    struct Allowed {
        var names: [String]
        var flags: Set<String> = []
        /// Options whose value is a comma-separated list (`mean=0.485,0.456,0.406`).
        var lists: Set<String> = []
        /// For messages: "stride=<integer ≥ 1>" per name.
        var expected: [String: String] = [:]
    }

    struct Entry {
        var key: FilterFileToken
        var value: FilterFileToken?
        /// Every value of a list option (the first is `value`).
        var values: [FilterFileToken] = []
    }

    let fileName: String
    let lineNumber: Int
    private(set) var entries: [String: Entry] = [:]

    /// Reads `tokens` as options of `owner` ("conv", "maxpool", "filter", "kernel gaussian").
    init(
        _ tokens: ArraySlice<FilterFileToken>, owner: String, allowed: Allowed, fileName: String,
        lineNumber: Int, noun: String = "option"
    ) throws(FilterFileError) {
        self.fileName = fileName
        self.lineNumber = lineNumber
        var index = tokens.startIndex
        while index < tokens.endIndex {
            let key = tokens[index]
            guard key.kind == .word else {
                throw Self.error(fileName, lineNumber, key, "unexpected '\(key.text)' (expected an option NAME=VALUE)")
            }
            guard allowed.names.contains(key.text) else {
                let known =
                    allowed.names.isEmpty
                    ? "\(owner) takes no \(noun)s"
                    : "expected " + allowed.names.joined(separator: ", ")
                throw Self.error(
                    fileName, lineNumber, key,
                    "unknown \(noun) '\(key.text)' for \(owner) (\(known))\(Suggestion.hint(for: key.text, among: allowed.names))"
                )
            }
            if let first = entries[key.text] {
                throw Self.error(
                    fileName, lineNumber, key,
                    "duplicate \(noun) '\(key.text)' (already given at column \(first.key.column))")
            }
            let hasEquals = index + 1 < tokens.endIndex && tokens[index + 1].kind == .equals
            if allowed.flags.contains(key.text) {
                if hasEquals {
                    throw Self.error(
                        fileName, lineNumber, tokens[index + 1],
                        "'\(key.text)' is a flag and takes no value")
                }
                entries[key.text] = Entry(key: key, value: nil)
                index += 1
                continue
            }
            let expected = allowed.expected[key.text].map { " (expected \(key.text)=\($0))" } ?? ""
            guard hasEquals else {
                throw Self.error(fileName, lineNumber, key, "option '\(key.text)' needs a value\(expected)")
            }
            let valueIndex = index + 2
            guard valueIndex < tokens.endIndex, tokens[valueIndex].kind == .word else {
                let at = valueIndex < tokens.endIndex ? tokens[valueIndex] : tokens[index + 1]
                throw Self.error(fileName, lineNumber, at, "missing value after '\(key.text)='\(expected)")
            }
            var values = [tokens[valueIndex]]
            index = valueIndex + 1
            if allowed.lists.contains(key.text) {
                while index < tokens.endIndex, tokens[index].kind == .comma {
                    guard index + 1 < tokens.endIndex, tokens[index + 1].kind == .word else {
                        throw Self.error(
                            fileName, lineNumber, tokens[index],
                            "unexpected ',' at the end of \(key.text)= (expected a value after it)")
                    }
                    values.append(tokens[index + 1])
                    index += 2
                }
            }
            entries[key.text] = Entry(key: key, value: tokens[valueIndex], values: values)
        }
    }

    static let largestInteger = 1_000_000

    static func error(
        _ fileName: String, _ lineNumber: Int, _ token: FilterFileToken,
        _ message: String
    ) -> FilterFileError {
        FilterFileError(
            file: fileName, location: SourceLocation(line: lineNumber, column: token.column),
            message: message)
    }

    func has(_ name: String) -> Bool { entries[name] != nil }

    /// Where each option was written: its value token, or its key for a flag.
    var locations: [String: SourceLocation] {
        entries.mapValues { entry in
            SourceLocation(line: lineNumber, column: (entry.value ?? entry.key).column)
        }
    }

    /// The value token of `name` (nil if absent or a flag).
    func valueToken(_ name: String) -> FilterFileToken? { entries[name]?.value }

    func integer(_ name: String, minimum: Int) throws(FilterFileError) -> Int? {
        guard let token = valueToken(name) else { return nil }
        guard let value = Int(token.text), value >= minimum else {
            throw Self.error(
                fileName, lineNumber, token,
                "invalid value '\(token.text)' for \(name) (expected an integer ≥ \(minimum))")
        }
        // Far beyond any image, and small enough that size arithmetic cannot overflow.
        guard value <= FilterFileOptions.largestInteger else {
            throw Self.error(
                fileName, lineNumber, token,
                "value \(value) for \(name) is too large (at most \(FilterFileOptions.largestInteger))")
        }
        return value
    }

    /// The numbers of list option `name` (nil if absent).
    func numbers(_ name: String) throws(FilterFileError) -> [Float]? {
        guard let entry = entries[name] else { return nil }
        var result: [Float] = []
        for token in entry.values {
            result.append(
                try FilterFileOptions.finiteNumber(token, what: "a value of \(name)", fileName: fileName, lineNumber: lineNumber))
        }
        return result
    }

    func number(_ name: String) throws(FilterFileError) -> Float? {
        guard let token = valueToken(name) else { return nil }
        return try FilterFileOptions.finiteNumber(
            token, what: "the value of \(name)", fileName: fileName,
            lineNumber: lineNumber)
    }

    func choice<Value: RawRepresentable & CaseIterable>(_ name: String, as type: Value.Type) throws(FilterFileError)
        -> Value? where Value.RawValue == String
    {
        guard let token = valueToken(name) else { return nil }
        guard let value = Value(rawValue: token.text) else {
            let words = Value.allCases.map(\.rawValue)
            throw Self.error(
                fileName, lineNumber, token,
                "invalid value '\(token.text)' for \(name) (expected \(words.joined(separator: ", ")))"
                    + Suggestion.hint(for: token.text, among: words))
        }
        return value
    }

    func boolean(_ name: String) throws(FilterFileError) -> Bool? {
        guard let token = valueToken(name) else { return nil }
        switch token.text {
        case "true": return true
        case "false": return false
        default:
            throw Self.error(
                fileName, lineNumber, token,
                "invalid value '\(token.text)' for \(name) (expected true or false)")
        }
    }

    /// A decimal number that is finite as a 32-bit float.
    static func finiteNumber(
        _ token: FilterFileToken, what: String, fileName: String,
        lineNumber: Int
    ) throws(FilterFileError) -> Float {
        let lowered = token.text.lowercased().trimmingPrefix(while: { $0 == "+" || $0 == "-" })
        if ["inf", "infinity", "nan"].contains(String(lowered)) {
            throw error(fileName, lineNumber, token, "non-finite number '\(token.text)' (weights and values must be finite)")
        }
        guard let value = FilterFileLexer.decimal(token.text) else {
            throw error(
                fileName, lineNumber, token,
                "invalid number '\(token.text)' as \(what) (expected a decimal like -2, 0.5 or 1e-3)")
        }
        let single = Float(value)
        guard single.isFinite else {
            throw error(
                fileName, lineNumber, token,
                "non-finite number '\(token.text)' (beyond the 32-bit float range ±3.4e38)")
        }
        return single
    }
}
