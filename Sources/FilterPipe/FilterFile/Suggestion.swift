// "Did you mean …?" for misspelt words: the closest known word by edit distance (insertions,
// deletions, substitutions and swaps of neighbours, each 1), offered only when it is close enough to
// be a plausible typo: at most 1 edit for words up to 4 characters, 2 up to 8, 3 beyond; else the
// one candidate that the word begins (gauss → gaussian).

/// The known word a misspelt one most likely meant.
public enum Suggestion {
    /// The closest of `candidates` to `word`, or nil when none is a plausible typo of it (or the
    /// word is itself a candidate). Ties go to the earlier candidate.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        guard !candidates.contains(word) else { return nil }
        let limit = word.count <= 4 ? 1 : word.count <= 8 ? 2 : 3
        var best: (word: String, distance: Int)?
        for candidate in candidates {
            let d = distance(word.lowercased(), candidate.lowercased())
            if d <= limit && d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        if let best { return best.word }
        // A word cut short ("gauss" for gaussian) is a typo too, when only one candidate starts with it.
        let extensions = candidates.filter { word.count >= 3 && $0.lowercased().hasPrefix(word.lowercased()) }
        return extensions.count == 1 ? extensions[0] : nil
    }

    /// " (did you mean 'X'?)"-style text to append, or "" when there is no suggestion.
    static func hint(for word: String, among candidates: [String]) -> String {
        closest(to: word, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// Optimal-string-alignment distance (Damerau–Levenshtein without repeated edits of a substring).
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a)
        let y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous2 = [Int](repeating: 0, count: y.count + 1)
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
                    value = min(value, previous2[j - 2] + 1)
                }
                current[j] = value
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[y.count]
    }
}
