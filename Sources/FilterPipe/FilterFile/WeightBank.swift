// `conv weights=W.npy [bias=b.npy] [filters=A..B]`: a whole bank from an (F, C, KH, KW) array,
// `weights=model.safetensors:TENSOR` likewise. Filter f, channel c is the KH×KW matrix W[f, c] in
// row-major order, applied as the engine's cross-correlation (Conv2D: Σ w[f,c,i,j]·in[c, y+i, x+j]),
// which is what PyTorch's Conv2d and the book's Convolution (im2col, no flip) compute. Without
// `bias=` the biases are 0. Paths are relative to the filter file's folder.

/// A conv bank read from weight files.
struct WeightBank {
    var filters: [FilterSpec]
    var source: WeightFileSource

    /// A weight reference as written: a `.npy` path, or `PATH.safetensors:TENSOR`.
    struct Reference {
        var path: String
        var tensor: String?
        /// The reference as messages name it: the resolved path, and `:TENSOR`.
        var text: String { tensor.map { "\(path):\($0)" } ?? path }
    }

    /// The file and tensor `text` names, its path resolved against `directory`.
    static func reference(_ text: String, directory: String?) -> Reference? {
        func resolved(_ path: String) -> String {
            guard let directory, !path.hasPrefix("/") else { return path }
            return directory + "/" + path
        }
        if let range = text.firstRange(of: ".safetensors:") {
            let tensor = String(text[range.upperBound...])
            guard !tensor.isEmpty else { return nil }
            return Reference(path: resolved(String(text[..<range.upperBound].dropLast())), tensor: tensor)
        }
        guard text.hasSuffix(".npy") else { return nil }
        return Reference(path: resolved(text), tensor: nil)
    }

    static func read(_ reference: Reference) throws(WeightFileError) -> WeightArray {
        if let tensor = reference.tensor { return try SafetensorsReader.read(contentsOf: reference.path, tensor: tensor) }
        return try NPYReader.read(contentsOf: reference.path)
    }

    /// Loads the bank a conv line's `weights`, `bias` and `filters` options name; errors point at the
    /// option's value and name the weight file.
    static func load(
        _ options: FilterFileOptions, directory: String?, fileName: String
    ) throws(FilterFileError) -> WeightBank? {
        func fail(_ token: FilterFileToken, _ message: String) -> FilterFileError {
            FilterFileOptions.error(fileName, options.lineNumber, token, message)
        }
        let expected = "expected FILE.npy or FILE.safetensors:TENSOR"
        guard let weightsToken = options.valueToken("weights") else {
            for name in ["bias", "filters"] {
                if let token = options.valueToken(name) {
                    throw fail(token, "'\(name)=' needs weights= on the same conv line (a bank from a weight file)")
                }
            }
            return nil
        }
        guard let weightsReference = reference(weightsToken.text, directory: directory) else {
            throw fail(weightsToken, "invalid weights file '\(weightsToken.text)' (\(expected))")
        }
        let weights: WeightArray
        do { weights = try read(weightsReference) } catch {
            throw fail(weightsToken, "weights file \(weightsReference.text): \(error.message)")
        }
        guard weights.shape.count == 4, weights.shape.allSatisfy({ $0 >= 1 }) else {
            throw fail(
                weightsToken,
                "weights file \(weightsReference.text) has shape \(weights.shapeText), expected (filters, channels, height, width) with every size ≥ 1"
            )
        }
        let (count, channels, rows, columns) = (weights.shape[0], weights.shape[1], weights.shape[2], weights.shape[3])
        if let bad = weights.values.firstIndex(where: { !Float($0).isFinite }) {
            throw fail(
                weightsToken,
                "weights file \(weightsReference.text) holds \(weights.values[bad]) at index \(bad), not a finite 32-bit float")
        }
        var biases = [Double](repeating: 0, count: count)
        if let biasToken = options.valueToken("bias") {
            guard let biasReference = reference(biasToken.text, directory: directory) else {
                throw fail(biasToken, "invalid bias file '\(biasToken.text)' (\(expected))")
            }
            let bias: WeightArray
            do { bias = try read(biasReference) } catch {
                throw fail(biasToken, "bias file \(biasReference.text): \(error.message)")
            }
            guard bias.shape == [count] else {
                throw fail(
                    biasToken,
                    "bias file \(biasReference.text) has shape \(bias.shapeText), but \(weightsReference.text) has \(count) filters (expected (\(count),))"
                )
            }
            if let bad = bias.values.firstIndex(where: { !Float($0).isFinite }) {
                throw fail(
                    biasToken,
                    "bias file \(biasReference.text) holds \(bias.values[bad]) at index \(bad), not a finite 32-bit float")
            }
            biases = bias.values
        }
        var selected = 0..<count
        if let filtersToken = options.valueToken("filters") {
            guard let range = selection(filtersToken.text), range.upperBound <= count else {
                throw fail(
                    filtersToken,
                    "invalid value '\(filtersToken.text)' for filters (expected A..B or N with 0 ≤ A ≤ B < \(count), the bank's \(count) filters)"
                )
            }
            selected = range
        }
        let width = String(count - 1).count
        let planeSize = rows * columns
        let filters = selected.map { f in
            let number = String(f)
            let name = "f" + String(repeating: "0", count: width - number.count) + number
            let matrices = (0..<channels).map { c in
                let start = (f * channels + c) * planeSize
                return Matrix(
                    rows: rows, columns: columns, values: weights.values[start..<start + planeSize].map { Float($0) })
            }
            return FilterSpec(name: name, bias: Float(biases[f]), channels: matrices)
        }
        return WeightBank(filters: filters, source: WeightFileSource(reference: weightsReference.text, shape: weights.shape))
    }

    /// `A..B` (inclusive) or `N`, as a range of filter indices.
    static func selection(_ text: String) -> Range<Int>? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 1, let single = Int(text), single >= 0 { return single..<single + 1 }
        guard parts.count == 3, parts[1].isEmpty, let first = Int(parts[0]), let last = Int(parts[2]),
            first >= 0, first <= last, last < Int.max
        else { return nil }
        return first..<last + 1
    }
}
