// One picture per input image: the photo, then every final map, in a grid of
//   columns = ⌈√n⌉, rows = ⌈n / columns⌉   (n = maps + 1 with the photo)
// tiles of a common size (maps shrunk by area averaging so the picture stays ≤ maxWidth wide,
// tiny maps enlarged by a whole factor so their labels fit), a `gutter` between tiles,
// and under each tile a dark strip labelled "index name" (shortened in the middle: kirsch_…_north_east)
// and the map's colour bar with its tick values (low end, zero or the middle, high end; a small
// triangle at an end where values were clipped). Under `global` scaling every tile shares one
// range, so one colour bar goes at the bottom of the montage instead. The font has one size
// whatever the tiles' size, so the labels of a batch all read alike.
// A constant map (a dead filter, all zero after ReLU) is hatched, framed in red and labelled "(constant)".

/// Builds the `montage` output kind.
public enum Montage {
    /// Sizes and spacing of a montage.
    public struct Options: Sendable, Equatable {
        /// The widest montage, in pixels; tiles shrink to respect it.
        public var maxWidth: Int
        /// Pixels between tiles and around the edge.
        public var gutter: Int
        /// Maps narrower than this are enlarged by a whole factor (nearest pixel) when room allows.
        public var minTileWidth: Int

        public init(maxWidth: Int = 2048, gutter: Int = 4, minTileWidth: Int = 96) {
            self.maxWidth = maxWidth
            self.gutter = gutter
            self.minTileWidth = minTileWidth
        }
    }

    /// Where the tiles go.
    public struct Layout: Sendable, Equatable {
        public var columns: Int
        public var rows: Int
        public var tileWidth: Int
        public var tileHeight: Int
        public var gutter: Int
        /// Height of the label strip under each tile.
        public var labelHeight: Int
        /// Font pixels per label pixel: always 1 (one size for every montage).
        public var labelScale: Int
        /// Height of the title strip at the top (0 without a title).
        public var titleHeight: Int
        /// Height of the colour-bar strip under each tile's label (0 when one bar serves the montage).
        public var barHeight: Int = 0
        /// Height of the shared colour bar at the bottom (0 with a bar per tile).
        public var footerHeight: Int = 0
        /// Height of one tile with its label and colour bar.
        public var cellHeight: Int { tileHeight + labelHeight + barHeight }
        public var width: Int { columns * tileWidth + (columns + 1) * gutter }
        public var height: Int { titleHeight + rows * cellHeight + (rows + 1) * gutter + footerHeight }

        /// Top-left corner of tile `index` (row-major; the photo, when present, is tile 0).
        public func tileOrigin(_ index: Int) -> (x: Int, y: Int) {
            let column = index % columns
            let row = index / columns
            return (
                gutter + column * (tileWidth + gutter),
                titleHeight + gutter + row * (cellHeight + gutter)
            )
        }
    }

    /// Height of a colour-bar strip: 2 px, the 8 px bar, 2 px tick marks, the tick labels, 2 px.
    static let colorBarHeight = 2 + 8 + 2 + BitmapFont.glyphHeight + 2

    /// The grid for `tileCount` tiles showing maps of `mapWidth` × `mapHeight`; `colorBars` puts a
    /// colour bar under every tile (`.perTile`), one at the bottom (`.shared`) or none.
    public static func layout(
        tileCount: Int, mapWidth: Int, mapHeight: Int, hasTitle: Bool = false,
        options: Options = Options(), colorBars: ColorBars = .none
    ) -> Layout {
        let count = max(tileCount, 1)
        let columns = Int(Double(count).squareRoot().rounded(.up))
        let rows = (count + columns - 1) / columns
        let available = max((options.maxWidth - options.gutter * (columns + 1)) / columns, 1)
        let width = max(mapWidth, 1)
        let height = max(mapHeight, 1)
        var tileWidth = width
        var tileHeight = height
        if width > available {
            tileWidth = available
            tileHeight = max(Int((Double(height) * Double(available) / Double(width)).rounded()), 1)
        } else if width < options.minTileWidth {
            let factor = min((options.minTileWidth + width - 1) / width, max(available / width, 1))
            tileWidth = width * factor
            tileHeight = height * factor
        }
        if tileHeight > options.maxWidth {  // a very tall map: bound the height too
            tileWidth = max(Int((Double(tileWidth) * Double(options.maxWidth) / Double(tileHeight)).rounded()), 1)
            tileHeight = options.maxWidth
        }
        let labelHeight = BitmapFont.glyphHeight + 4
        return Layout(
            columns: columns, rows: rows, tileWidth: tileWidth, tileHeight: tileHeight,
            gutter: options.gutter, labelHeight: labelHeight, labelScale: 1,
            titleHeight: hasTitle ? labelHeight + options.gutter : 0,
            barHeight: colorBars == .perTile ? colorBarHeight : 0,
            footerHeight: colorBars == .shared ? colorBarHeight + options.gutter : 0)
    }

    /// Where a montage's colour bars go.
    public enum ColorBars: Sendable {
        case none, perTile, shared
    }

    /// The montage of `maps` (one tile per channel, labelled with `names`), after the decoded `photo`.
    ///
    /// `normalization` and `colormap` are applied as for the `maps` output (`global` keeps the
    /// tiles comparable); `title`, if given, is written across the top. Always 8-bit RGB.
    public static func make(
        photo input: PixelBuffer?, maps: Tensor, names: [String] = [],
        normalization: OutputSpec.Normalization = .percentile,
        colormap: OutputSpec.Colormap? = nil, title: String? = nil,
        options: Options = Options()
    ) -> PixelBuffer {
        make(
            photo: input, maps: maps, names: names,
            scaling: MapScaling(normalization: normalization, colormap: colormap), title: title, options: options)
    }

    /// The montage of `maps` scaled by `scaling`; `signed[c]` says whether map c can be negative
    /// (`PipelineSpec.mapsCanBeNegative`; nil: whether its minimum is negative).
    public static func make(
        photo input: PixelBuffer?, maps: Tensor, names: [String] = [], scaling: MapScaling,
        signed: [Bool]? = nil, title: String? = nil, options: Options = Options()
    ) -> PixelBuffer {
        let offset = input == nil ? 0 : 1
        let shared = scaling.normalization == .global || scaling.normalization == .clamp || scaling.normalization == .range
        let layout = layout(
            tileCount: maps.channels + offset, mapWidth: maps.width, mapHeight: maps.height,
            hasTitle: title != nil, options: options, colorBars: maps.channels == 0 ? .none : shared ? .shared : .perTile)
        var canvas = RGBCanvas(width: layout.width, height: layout.height)
        if let title {
            canvas.draw(
                text: shortened(title, maxCharacters: (layout.width - 2 * layout.gutter) / BitmapFont.glyphWidth),
                x: layout.gutter, y: layout.gutter + 2)
        }
        if let input {
            let origin = layout.tileOrigin(0)
            drawPhoto(input, into: &canvas, x: origin.x, y: origin.y, width: layout.tileWidth, height: layout.tileHeight)
            drawLabel("input \(input.width)x\(input.height)", into: &canvas, layout: layout, x: origin.x, y: origin.y)
        }
        let normalizations = MapNormalization.forMaps(maps, scaling: scaling, signed: signed, depth: 8)
        for channel in 0..<maps.channels {
            let origin = layout.tileOrigin(channel + offset)
            let norm = normalizations[channel]
            let colormap = scaling.colormap(symmetric: norm.symmetric)
            let plane = maps.plane(channel)
            let tile = AreaResampler.resize(
                plane, width: maps.width, height: maps.height,
                targetWidth: layout.tileWidth, targetHeight: layout.tileHeight)
            var levels = [UInt8](repeating: 0, count: tile.count)
            norm.quantize(tile[...], into: &levels)
            canvas.paste(
                rgb: colormap.applied(to: levels), width: layout.tileWidth, height: layout.tileHeight,
                x: origin.x, y: origin.y)
            let name = channel < names.count ? names[channel] : "map"
            let isConstant = norm.mapIsConstant
            if isConstant {
                markConstant(into: &canvas, x: origin.x, y: origin.y, width: layout.tileWidth, height: layout.tileHeight)
            }
            let text = label(
                index: channel, name: name, isConstant: isConstant, maxWidth: layout.tileWidth - 4)
            drawLabel(text, into: &canvas, layout: layout, x: origin.x, y: origin.y, color: isConstant ? .warning : .labelText)
            if layout.barHeight > 0 && !isConstant {
                drawColorBar(
                    norm, colormap: colormap, into: &canvas, x: origin.x,
                    y: origin.y + layout.tileHeight + layout.labelHeight, width: layout.tileWidth)
            }
        }
        if layout.footerHeight > 0, let first = normalizations.first {
            var norm = first
            norm.clippedBelow = normalizations.map(\.clippedBelow).reduce(0, +)
            norm.clippedAbove = normalizations.map(\.clippedAbove).reduce(0, +)
            drawColorBar(
                norm, colormap: scaling.colormap(symmetric: norm.symmetric), into: &canvas, x: layout.gutter,
                y: layout.height - layout.footerHeight, width: min(layout.width - 2 * layout.gutter, 512))
        }
        return canvas.pixelBuffer
    }

    /// The montage with the photo given as the pipeline's input tensor (values 0...1; 1 channel
    /// gray, 3 RGB, 4 RGBA with alpha dropped, any other count shown by its first channel).
    public static func make(
        input: Tensor?, maps: Tensor, names: [String] = [],
        normalization: OutputSpec.Normalization = .percentile,
        colormap: OutputSpec.Colormap? = nil, title: String? = nil,
        options: Options = Options()
    ) -> PixelBuffer {
        make(
            photo: input.map(photo(from:)), maps: maps, names: names, normalization: normalization,
            colormap: colormap, title: title, options: options)
    }

    /// A colour bar `width` px wide at (x, y): the colour map from `norm.lo` to `norm.hi` in an 8 px
    /// bar, a triangle at each end where values were clipped, tick marks and values under it at
    /// the ends and at zero (a symmetric range) or the middle.
    static func drawColorBar(
        _ norm: MapNormalization, colormap: OutputSpec.Colormap, into canvas: inout RGBCanvas,
        x: Int, y: Int, width: Int
    ) {
        let arrow = 5  // room for a clipping triangle at each end
        let left = x + arrow + 1
        let barWidth = width - 2 * (arrow + 1)
        guard barWidth >= 8 else { return }
        let top = y + 2
        for column in 0..<barWidth {
            let level = barWidth == 1 ? 0 : (column * 255 + (barWidth - 1) / 2) / (barWidth - 1)
            let c = colormap.color(at: level)
            canvas.fill(x: left + column, y: top, width: 1, height: 8, color: RGBColor(c.red, c.green, c.blue))
        }
        // Triangles pointing outwards, in the end colours, where values lie beyond the range.
        for (clipped, level, tip) in [(norm.clippedBelow, 0, x), (norm.clippedAbove, 255, x + width - 1)] where clipped > 0 {
            let c = colormap.color(at: level)
            for d in 0..<arrow {
                let column = tip == x ? tip + d : tip - d
                canvas.fill(
                    x: column, y: top + 4 - d * 4 / arrow, width: 1, height: 2 * (d * 4 / arrow) + 1,
                    color: RGBColor(c.red, c.green, c.blue))
            }
        }
        let labelTop = top + 8 + 2
        let low = compact(norm.lo)
        let high = compact(norm.hi)
        let middleValue = norm.symmetric ? 0 : (norm.lo + norm.hi) / 2
        let middle = compact(middleValue)
        // The ends first (they always show), then the middle where it does not run into them.
        let ticks: [(column: Int, text: String, align: Int)] = [
            (0, low, -1), (barWidth - 1, high, 1), (barWidth / 2, middle, 0),
        ]
        var occupied: [Range<Int>] = []
        for tick in ticks {
            let textWidth = BitmapFont.width(of: tick.text)
            let start =
                tick.align < 0
                ? left + tick.column
                : tick.align > 0 ? left + tick.column + 1 - textWidth : left + tick.column - textWidth / 2
            let span = (start - 3)..<(start + textWidth + 3)
            if occupied.contains(where: { $0.overlaps(span) }) { continue }
            occupied.append(span)
            canvas.fill(x: left + tick.column, y: top + 8, width: 1, height: 2, color: .labelText)
            canvas.draw(text: tick.text, x: start, y: labelTop, color: .rangeText)
        }
    }

    /// An 8-bit picture of an input tensor: v in 0...1 → round(255 · v).
    static func photo(from tensor: Tensor) -> PixelBuffer {
        let channels = tensor.channels == 3 || tensor.channels == 4 ? 3 : 1
        let planeCount = tensor.shape.planeCount
        var samples = [UInt8](repeating: 0, count: planeCount * channels)
        let clamp = MapNormalization(lo: 0, hi: 1, maxLevel: 255, constantLevel: 0)
        for c in 0..<min(channels, tensor.channels) {
            clamp.quantize(tensor.plane(c), into: &samples, start: c, stride: channels)
        }
        return PixelBuffer(width: tensor.width, height: tensor.height, channels: channels, samples: .uint8(samples))
    }

    /// "index name", or "index name (constant)", shortened to `maxWidth` pixels (the name gives
    /// way first, in the middle, so kirsch_compass_north_east and kirsch_compass_north_west stay apart).
    static func label(index: Int, name: String, isConstant: Bool, maxWidth: Int) -> String {
        let prefix = "\(index) "
        let suffix = isConstant ? " (constant)" : ""
        let full = prefix + name + suffix
        let maxCharacters = max(maxWidth / BitmapFont.glyphWidth, 0)
        if full.count <= maxCharacters { return full }
        let room = maxCharacters - prefix.count - suffix.count
        if room >= 2 { return prefix + shortened(name, maxCharacters: room) + suffix }
        return shortened(isConstant ? prefix + "const" : full, maxCharacters: maxCharacters)
    }

    /// `name` in at most `maxCharacters` characters: the head and the tail kept, "…" between,
    /// cut at '_' boundaries where there are any (kirsch_compass_direction_north_east, 20 →
    /// kirsch_…_north_east), the tail getting the larger share (names usually differ at the end).
    public static func shortened(_ name: String, maxCharacters: Int) -> String {
        let characters = Array(name)
        guard characters.count > maxCharacters else { return name }
        guard maxCharacters > 1 else { return maxCharacters == 1 ? "…" : "" }
        let budget = maxCharacters - 1
        var headCount = (budget * 2 + 4) / 5  // ≈ 40 %
        // End the head just after an '_' inside it, if one is there (but keep at least 1 character).
        if let cut = characters[0..<headCount].lastIndex(of: "_"), cut > 0 { headCount = cut + 1 }
        var tailStart = characters.count - (budget - headCount)
        // Start the tail at an '_' inside it, if that leaves something after it.
        if let cut = characters[tailStart...].firstIndex(of: "_"), cut > tailStart, cut < characters.count - 1 {
            // Give the characters freed by the cut back to the head when they are whole words.
            tailStart = cut
        }
        return String(characters[0..<headCount]) + "…" + String(characters[tailStart...])
    }

    private static func drawLabel(
        _ text: String, into canvas: inout RGBCanvas, layout: Layout, x: Int, y: Int,
        color: RGBColor = .labelText
    ) {
        let top = y + layout.tileHeight
        canvas.fill(x: x, y: top, width: layout.tileWidth, height: layout.labelHeight, color: .labelStrip)
        canvas.draw(
            text: shortened(text, maxCharacters: (layout.tileWidth - 4) / BitmapFont.glyphWidth), x: x + 2, y: top + 2,
            color: color)
    }

    /// `value` to 3 significant digits, as short as possible ("0.0123", "-4.5", "1.2e+06").
    static func compact(_ value: Float) -> String {
        guard value.isFinite, value != 0 else { return value == 0 ? "0" : "\(value)" }
        let magnitude = Double(value).magnitude
        var exponent = 0
        var scaled = magnitude
        while scaled >= 1000 { scaled /= 10; exponent += 1 }
        while scaled < 100 { scaled *= 10; exponent -= 1 }
        var digits = Int(scaled.rounded())  // 100...1000
        if digits == 1000 {
            digits = 100
            exponent += 1
        }
        var text: String
        if exponent >= 4 || exponent <= -7 {
            let mantissa = Double(digits) / 100
            text = "\(mantissa)e\(exponent + 2 >= 0 ? "+" : "")\(exponent + 2)"
        } else if exponent >= 0 {
            text = String(digits * Int(pow10(exponent)))
        } else {
            let places = -exponent
            var fraction = String(digits)
            while fraction.count <= places { fraction = "0" + fraction }
            let split = fraction.index(fraction.endIndex, offsetBy: -places)
            text = fraction[..<split] + "." + fraction[split...]
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return (value < 0 ? "-" : "") + text
    }

    private static func pow10(_ exponent: Int) -> Double {
        (0..<exponent).reduce(1.0) { product, _ in product * 10 }
    }

    /// Diagonal hatching and a red frame: the tile carries no information, and says so.
    private static func markConstant(into canvas: inout RGBCanvas, x: Int, y: Int, width: Int, height: Int) {
        for row in 0..<height {
            for column in 0..<width where (row + column) % 8 == 0 {
                canvas.set(x: x + column, y: y + row, .warning)
            }
        }
        canvas.stroke(x: x, y: y, width: width, height: height, thickness: 2, color: .warning)
    }

    /// The photo fitted inside the tile (aspect kept, centred), gray replicated, alpha dropped.
    static func drawPhoto(
        _ photo: PixelBuffer, into canvas: inout RGBCanvas, x: Int, y: Int,
        width: Int, height: Int
    ) {
        guard photo.width > 0, photo.height > 0 else { return }
        let scale = min(Double(width) / Double(photo.width), Double(height) / Double(photo.height))
        let fittedWidth = max(min(Int((Double(photo.width) * scale).rounded()), width), 1)
        let fittedHeight = max(min(Int((Double(photo.height) * scale).rounded()), height), 1)
        let channels = photo.channels
        let colorChannels = channels >= 3 ? 3 : 1
        let resized = (0..<3).map { c in
            let offset = colorChannels == 3 ? c : 0
            switch photo.samples {
            case .uint8(let s):
                return AreaResampler.resize(
                    width: photo.width, height: photo.height, targetWidth: fittedWidth,
                    targetHeight: fittedHeight
                ) { Float(s[$0 * channels + offset]) }
            case .uint16(let s):
                return AreaResampler.resize(
                    width: photo.width, height: photo.height, targetWidth: fittedWidth,
                    targetHeight: fittedHeight
                ) { Float(s[$0 * channels + offset]) / 257 }
            }
        }
        var rgb = [UInt8](repeating: 0, count: fittedWidth * fittedHeight * 3)
        for p in 0..<(fittedWidth * fittedHeight) {
            for c in 0..<3 { rgb[p * 3 + c] = UInt8(min(max(resized[c][p], 0), 255) + 0.5) }
        }
        canvas.paste(
            rgb: rgb, width: fittedWidth, height: fittedHeight,
            x: x + (width - fittedWidth) / 2, y: y + (height - fittedHeight) / 2)
    }
}
