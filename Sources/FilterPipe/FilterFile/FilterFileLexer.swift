// Splits a filter file into lines of tokens: words, '=' and ','. '#' starts a comment anywhere;
// columns are 1-based and count characters (a tab is one column).

enum FilterFileLexer {
    /// The non-blank lines of `text`, in order; `\n`, `\r\n` and `\r` all end a line.
    static func lines(of text: String) -> [FilterFileLine] {
        var result: [FilterFileLine] = []
        var source = Substring(text)
        if source.first == "\u{FEFF}" { source = source.dropFirst() }
        var lineNumber = 0
        for raw in source.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            var tokens: [FilterFileToken] = []
            var word = ""
            var wordColumn = 0
            var column = 0
            for character in raw {
                column += 1
                if character == "#" { break }
                if character.isWhitespace || character == "=" || character == "," {
                    if !word.isEmpty {
                        tokens.append(FilterFileToken(kind: .word, text: word, column: wordColumn))
                        word = ""
                    }
                    if character == "=" {
                        tokens.append(FilterFileToken(kind: .equals, text: "=", column: column))
                    } else if character == "," {
                        tokens.append(FilterFileToken(kind: .comma, text: ",", column: column))
                    }
                } else {
                    if word.isEmpty { wordColumn = column }
                    word.append(character)
                }
            }
            if !word.isEmpty { tokens.append(FilterFileToken(kind: .word, text: word, column: wordColumn)) }
            if !tokens.isEmpty { result.append(FilterFileLine(number: lineNumber, tokens: tokens)) }
        }
        return result
    }

    /// Parses a decimal number: optional sign, digits with an optional fraction, optional exponent.
    /// Rejects `inf`, `nan`, hex floats and anything else `Double(_:)` would also accept.
    static func decimal(_ text: String) -> Double? {
        var scalars = Array(text.utf8)[...]
        if let first = scalars.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            scalars = scalars.dropFirst()
        }
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        var integerDigits = 0, fractionDigits = 0
        while let byte = scalars.first, isDigit(byte) { integerDigits += 1; scalars = scalars.dropFirst() }
        if scalars.first == UInt8(ascii: ".") {
            scalars = scalars.dropFirst()
            while let byte = scalars.first, isDigit(byte) { fractionDigits += 1; scalars = scalars.dropFirst() }
        }
        if integerDigits + fractionDigits == 0 { return nil }
        if let byte = scalars.first, byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            scalars = scalars.dropFirst()
            if let sign = scalars.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                scalars = scalars.dropFirst()
            }
            var exponentDigits = 0
            while let byte = scalars.first, isDigit(byte) { exponentDigits += 1; scalars = scalars.dropFirst() }
            if exponentDigits == 0 { return nil }
        }
        guard scalars.isEmpty else { return nil }
        return Double(text)
    }
}
