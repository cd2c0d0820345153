import FilterPipe

// `check`'s table (and the report page's): the library's `PipelineSummary` as aligned text. The
// rendering is the command line's business; the counts are the plan's.

extension PipelineSummary {
    /// The table as aligned text, one stage per line, then totals and the output settings.
    func renderTable() -> String {
        let header = ["#", "line", "stage", "parameters", "output C×H×W", "weights", "multiply-adds"]
        let rightAligned: Set<Int> = [0, 1, 5, 6]
        let inputParameters = ([input.rawValue] + [inputScaling.compactParameters].filter { !$0.isEmpty }).joined(separator: " ")
        var cells: [[String]] = [["0", "", "input", inputParameters, inputShape.description, "0", "0"]]
        for row in rows {
            cells.append([
                String(row.index), row.line.map(String.init) ?? "", row.kind, row.parameters,
                row.outputShape.description, Self.grouped(row.weights), Self.grouped(row.multiplyAdds),
            ])
        }
        var widths = header.map { $0.count }
        for line in cells {
            for (column, cell) in line.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        func render(_ line: [String]) -> String {
            let padded = line.enumerated().map { column, cell in
                let fill = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? fill + cell : cell + fill
            }
            let text = padded.joined(separator: "  ")
            return String(text.reversed().drop(while: { $0 == " " }).reversed())
        }
        var lines = [render(header)]
        lines.append(String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1)))
        lines += cells.map(render)
        lines.append(lines[1])
        let stages = rows.count == 1 ? "1 stage" : "\(rows.count) stages"
        lines.append(
            "total: \(stages), \(Self.grouped(totalWeights)) weights, \(Self.grouped(totalMultiplyAdds)) multiply-adds (\(Self.scaled(totalMultiplyAdds)))"
        )
        lines.append(
            "output: \(outputShape) as \(output.kind.rawValue), \(output.scalingDescription), colormap=\(colormapDescription)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The colour map as the maps get it: one named, or the default's two (gray, and diverging for
    /// maps drawn symmetric about zero).
    private var colormapDescription: String {
        if let colormap = output.colormap { return colormap.rawValue }
        switch output.effectiveNormalization {
        case .symmetric: return "diverging"
        case .percentile: return "gray (signed maps: diverging)"
        case .range: return MapScaling(output: output).isSymmetric(signed: false) ? "diverging" : "gray"
        default: return "gray"
        }
    }

    /// 1234567 → "1,234,567".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (value < 0 ? "-" : "") + groups.joined(separator: ",")
    }

    /// 1234567 → "1.23 M".
    static func scaled(_ value: Int) -> String {
        let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (scale, unit) in units where Double(value) >= scale {
            return formatted(Double(value) / scale, decimals: 2) + " " + unit
        }
        return String(value)
    }
}

extension NetworkSummary {
    /// The table as aligned text, one network node per line, then the totals; `input` names the
    /// input mode and scaling.
    func renderTable(input: PipelineSpec) -> String {
        let header = ["#", "op", "output tensor", "output N×C×H×W", "parameters", "weights", "multiply-adds"]
        let rightAligned: Set<Int> = [0, 5, 6]
        let inputParameters = ([input.input.rawValue] + [input.inputScaling.compactParameters].filter { !$0.isEmpty })
            .joined(separator: " ")
        let dimsText = { (dims: [Int]) in dims.isEmpty ? "scalar" : dims.map(String.init).joined(separator: "×") }
        var cells: [[String]] = [["0", "input", "", dimsText(inputDims), inputParameters, "0", "0"]]
        for row in rows {
            cells.append([
                String(row.index), row.op, row.tensor, dimsText(row.dims), row.parameters,
                PipelineSummary.grouped(row.weights), PipelineSummary.grouped(row.multiplyAdds),
            ])
        }
        var widths = header.map { $0.count }
        for line in cells {
            for (column, cell) in line.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        func render(_ line: [String]) -> String {
            let padded = line.enumerated().map { column, cell in
                let fill = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? fill + cell : cell + fill
            }
            let text = padded.joined(separator: "  ")
            return String(text.reversed().drop(while: { $0 == " " }).reversed())
        }
        var lines = [render(header)]
        lines.append(String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1)))
        lines += cells.map(render)
        lines.append(lines[1])
        lines.append(
            "total: \(rows.count) node\(rows.count == 1 ? "" : "s"), \(PipelineSummary.grouped(totalWeights)) weights, "
                + "\(PipelineSummary.grouped(totalMultiplyAdds)) multiply-adds (\(PipelineSummary.scaled(totalMultiplyAdds))); "
                + "multiply-adds count Conv and ConvTranspose")
        if let last = rows.last { lines.append("output: \(last.tensor) \(dimsText(last.dims))") }
        return lines.joined(separator: "\n") + "\n"
    }
}
