// The units the lexer hands the parser: tokens with their columns, grouped by line.

/// One token of a filter-file line.
struct FilterFileToken: Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        case word
        case equals
        case comma
    }

    var kind: Kind
    var text: String
    var column: Int
}

/// A line that holds at least one token once its comment is removed.
struct FilterFileLine: Sendable {
    var number: Int
    var tokens: [FilterFileToken]
}
