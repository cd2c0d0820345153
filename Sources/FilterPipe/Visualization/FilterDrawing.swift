// Draws the weights of every convolution bank, like the filter pictures of "Deep Learning from
// Scratch" ch. 7: weight w[f, c, i, j] is a cellSize × cellSize square coloured by the diverging
// map at level round(255 · (w / m + 1) / 2), m = max |w| over the bank, so zero is the white middle,
// negative weights blue, positive red. Filter f is a row of tiles, one per input channel
// (one tile when broadcast), under its name; the filters of a bank form a grid under a title row.

/// Builds the picture of `filterpipe show`.
public enum FilterDrawing {
    /// The widest drawing, in pixels; cells shrink when a filter with many channels would exceed it.
    public static let maxWidth = 2048

    static let margin = 6
    static let tileGap = 3
    static let labelHeight = BitmapFont.glyphHeight + 4
    static let minimumLabelCharacters = 12

    /// One tile per (filter, channel) of every `conv` stage of `spec`, banks top to bottom.
    ///
    /// `cellSize` is the side of one weight in pixels; nil picks about 96 px per tile.
    public static func draw(spec: PipelineSpec, cellSize: Int? = nil) -> PixelBuffer {
        let banks = spec.stages.enumerated().compactMap { index, stage -> (stage: Int, conv: ConvSpec)? in
            if case .conv(let conv) = stage, !conv.filters.isEmpty { return (index, conv) }
            return nil
        }
        guard !banks.isEmpty else {
            let message = "no convolution banks in this pipeline"
            var canvas = RGBCanvas(width: BitmapFont.width(of: message) + 2 * margin, height: labelHeight + 2 * margin)
            canvas.draw(text: message, x: margin, y: margin + 2)
            return canvas.pixelBuffer
        }
        let plans = banks.enumerated().map { number, bank in
            BankPlan(number: number + 1, stage: bank.stage + 1, conv: bank.conv, requestedCellSize: cellSize)
        }
        let width = min(max(plans.map(\.width).max() ?? 0, 1), maxWidth)
        let height = plans.map(\.height).reduce(margin, +)
        var canvas = RGBCanvas(width: width, height: height)
        var top = margin
        for plan in plans {
            plan.draw(into: &canvas, top: top)
            top += plan.height
        }
        return canvas.pixelBuffer
    }

    /// The colour of weight `w` in a bank whose largest magnitude is `m`.
    static func color(weight w: Float, magnitude m: Float) -> RGBColor {
        let t = m > 0 && w.isFinite ? min(max(w / m, -1), 1) : 0
        let c = OutputSpec.Colormap.diverging.color(at: Int((255 * (t + 1) / 2 + 0.5).rounded(.down)))
        return RGBColor(c.red, c.green, c.blue)
    }

    /// The geometry of one bank's section.
    struct BankPlan {
        let number: Int
        let stage: Int
        let conv: ConvSpec
        let cellSize: Int
        let tileWidth: Int
        let tileHeight: Int
        let blockWidth: Int
        let blockHeight: Int
        let columns: Int
        let rows: Int
        let magnitude: Float
        let title: String

        init(number: Int, stage: Int, conv: ConvSpec, requestedCellSize: Int?) {
            self.number = number
            self.stage = stage
            self.conv = conv
            let kernelHeight = conv.filters.map(\.kernelHeight).max() ?? 1
            let kernelWidth = conv.filters.map(\.kernelWidth).max() ?? 1
            let channels = conv.filters.map(\.channels.count).max() ?? 1
            var cell = requestedCellSize ?? max(3, min(24, 96 / max(kernelHeight, kernelWidth)))
            // Shrink until one filter's row of channel tiles fits the drawing width.
            while cell > 1 && channels * (kernelWidth * cell + 2 + tileGap) + 2 * margin > FilterDrawing.maxWidth {
                cell -= 1
            }
            cellSize = max(cell, 1)
            tileWidth = kernelWidth * cellSize + 2  // + 1-pixel frame each side
            tileHeight = kernelHeight * cellSize + 2
            let tilesWidth = channels * tileWidth + (channels - 1) * tileGap
            blockWidth = max(tilesWidth, minimumLabelCharacters * BitmapFont.glyphWidth)
            blockHeight = labelHeight + tileHeight
            let count = conv.filters.count
            let fit = max((FilterDrawing.maxWidth - 2 * margin + margin) / (blockWidth + margin), 1)
            columns = min(max(Int(Double(count).squareRoot().rounded(.up)), 1), fit)
            rows = (count + columns - 1) / columns
            magnitude =
                conv.filters.flatMap { $0.channels.flatMap(\.values) }
                .filter(\.isFinite).map { Swift.abs($0) }.max() ?? 0
            let names = conv.filters.map(\.name).joined(separator: ", ")
            title =
                "bank \(number) (stage \(stage)): \(count) x \(kernelHeight)x\(kernelWidth), "
                + "\(channels == 1 ? "broadcast" : "\(channels) channels"), |w| <= \(magnitude): \(names)"
        }

        var width: Int { max(columns * (blockWidth + margin) + margin, 2 * margin + 40 * BitmapFont.glyphWidth) }
        var height: Int { labelHeight + rows * (blockHeight + margin) + margin }

        func draw(into canvas: inout RGBCanvas, top: Int) {
            canvas.fill(x: 0, y: top, width: canvas.width, height: labelHeight, color: .labelStrip)
            canvas.draw(text: RGBCanvas.fitted(title, maxWidth: canvas.width - 2 * margin), x: margin, y: top + 2)
            for (index, filter) in conv.filters.enumerated() {
                let left = margin + (index % columns) * (blockWidth + margin)
                let blockTop = top + labelHeight + margin + (index / columns) * (blockHeight + margin)
                var label = filter.name
                if filter.bias != 0 { label += " b=\(filter.bias)" }
                canvas.draw(text: RGBCanvas.fitted(label, maxWidth: blockWidth), x: left, y: blockTop + 2)
                for (channel, matrix) in filter.channels.enumerated() {
                    let tileLeft = left + channel * (tileWidth + tileGap)
                    let tileTop = blockTop + labelHeight
                    canvas.stroke(
                        x: tileLeft, y: tileTop, width: matrix.columns * cellSize + 2,
                        height: matrix.rows * cellSize + 2, thickness: 1, color: .frame)
                    for row in 0..<matrix.rows {
                        for column in 0..<matrix.columns {
                            canvas.fill(
                                x: tileLeft + 1 + column * cellSize, y: tileTop + 1 + row * cellSize,
                                width: cellSize, height: cellSize,
                                color: FilterDrawing.color(weight: matrix[row, column], magnitude: magnitude))
                        }
                    }
                }
            }
        }
    }
}
