// One picture per input image: the photo, then every final map, in a grid of
//   columns = ⌈√n⌉, rows = ⌈n / columns⌉   (n = maps + 1 with the photo)
// tiles of a common size (maps shrunk by area averaging so the picture stays ≤ maxWidth wide,
// tiny maps enlarged by a whole factor so their labels fit), a `gutter` between tiles,
// and under each tile a dark strip labelled "index name" and the map's value range "lo..hi" in the
// built-in font (doubled on tiles ≥ 320 px wide, which a browser usually shows scaled down).
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
        /// Font pixels per label pixel: 2 on wide tiles, else 1.
        public var labelScale: Int
        /// Height of the title strip at the top (0 without a title).
        public var titleHeight: Int
        public var width: Int { columns * tileWidth + (columns + 1) * gutter }
        public var height: Int { titleHeight + rows * (tileHeight + labelHeight) + (rows + 1) * gutter }

        /// Top-left corner of tile `index` (row-major; the photo, when present, is tile 0).
        public func tileOrigin(_ index: Int) -> (x: Int, y: Int) {
            let column = index % columns
            let row = index / columns
            return (
                gutter + column * (tileWidth + gutter),
                titleHeight + gutter + row * (tileHeight + labelHeight + gutter)
            )
        }
    }

    /// Tiles at least this wide get labels at twice the font size.
    static let largeLabelTileWidth = 320

    /// The grid for `tileCount` tiles showing maps of `mapWidth` × `mapHeight`.
    public static func layout(
        tileCount: Int, mapWidth: Int, mapHeight: Int, hasTitle: Bool = false,
        options: Options = Options()
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
        let labelScale = tileWidth >= largeLabelTileWidth ? 2 : 1
        let labelHeight = BitmapFont.glyphHeight * labelScale + 4
        return Layout(
            columns: columns, rows: rows, tileWidth: tileWidth, tileHeight: tileHeight,
            gutter: options.gutter, labelHeight: labelHeight, labelScale: labelScale,
            titleHeight: hasTitle ? labelHeight + options.gutter : 0)
    }

    /// The montage of `maps` (one tile per channel, labelled with `names`), after the decoded `photo`.
    ///
    /// `normalization` and `colormap` are applied as for the `maps` output (`global` keeps the
    /// tiles comparable); `title`, if given, is written across the top. Always 8-bit RGB.
    public static func make(
        photo input: PixelBuffer?, maps: Tensor, names: [String] = [],
        normalization: OutputSpec.Normalization = .minmax,
        colormap: OutputSpec.Colormap? = nil, title: String? = nil,
        options: Options = Options()
    ) -> PixelBuffer {
        let colormap = colormap ?? (normalization == .symmetric ? .diverging : .gray)
        let offset = input == nil ? 0 : 1
        let layout = layout(
            tileCount: maps.channels + offset, mapWidth: maps.width, mapHeight: maps.height,
            hasTitle: title != nil, options: options)
        var canvas = RGBCanvas(width: layout.width, height: layout.height)
        if let title {
            canvas.draw(
                text: RGBCanvas.fitted(title, maxWidth: (layout.width - 2 * layout.gutter) / layout.labelScale),
                x: layout.gutter, y: layout.gutter + 2, scale: layout.labelScale)
        }
        if let input {
            let origin = layout.tileOrigin(0)
            drawPhoto(input, into: &canvas, x: origin.x, y: origin.y, width: layout.tileWidth, height: layout.tileHeight)
            drawLabel("input \(input.width)x\(input.height)", into: &canvas, layout: layout, x: origin.x, y: origin.y)
        }
        let normalizations = MapNormalization.forMaps(maps, mode: normalization, depth: 8)
        for channel in 0..<maps.channels {
            let origin = layout.tileOrigin(channel + offset)
            let plane = maps.plane(channel)
            let tile = AreaResampler.resize(
                plane, width: maps.width, height: maps.height,
                targetWidth: layout.tileWidth, targetHeight: layout.tileHeight)
            var levels = [UInt8](repeating: 0, count: tile.count)
            normalizations[channel].quantize(tile[...], into: &levels)
            canvas.paste(
                rgb: colormap.applied(to: levels), width: layout.tileWidth, height: layout.tileHeight,
                x: origin.x, y: origin.y)
            let name = channel < names.count ? names[channel] : "map"
            let isConstant = normalizations[channel].mapIsConstant
            if isConstant {
                markConstant(into: &canvas, x: origin.x, y: origin.y, width: layout.tileWidth, height: layout.tileHeight)
            }
            let norm = normalizations[channel]
            let range = isConstant ? "" : "\(compact(norm.lo))..\(compact(norm.hi))"
            let room = (layout.tileWidth - 4) / layout.labelScale
            // The range goes right-aligned when the name and at least 8 of its characters still fit.
            let showRange = !range.isEmpty && room >= BitmapFont.width(of: "\(channel) " + range) + 8 * BitmapFont.glyphWidth
            let text = label(
                index: channel, name: name, isConstant: isConstant,
                maxWidth: room - (showRange ? BitmapFont.width(of: " " + range) : 0))
            drawLabel(
                text, into: &canvas, layout: layout, x: origin.x, y: origin.y,
                color: isConstant ? .warning : .labelText, right: showRange ? range : nil)
        }
        return canvas.pixelBuffer
    }

    /// The montage with the photo given as the pipeline's input tensor (values 0...1; 1 channel
    /// gray, 3 RGB, 4 RGBA with alpha dropped, any other count shown by its first channel).
    public static func make(
        input: Tensor?, maps: Tensor, names: [String] = [],
        normalization: OutputSpec.Normalization = .minmax,
        colormap: OutputSpec.Colormap? = nil, title: String? = nil,
        options: Options = Options()
    ) -> PixelBuffer {
        make(
            photo: input.map(photo(from:)), maps: maps, names: names, normalization: normalization,
            colormap: colormap, title: title, options: options)
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

    /// "index name", or "index name (constant)", shortened to `maxWidth` pixels (the name gives way first).
    static func label(index: Int, name: String, isConstant: Bool, maxWidth: Int) -> String {
        let prefix = "\(index) "
        let suffix = isConstant ? " (constant)" : ""
        let full = prefix + name + suffix
        if BitmapFont.width(of: full) <= maxWidth { return full }
        let room = maxWidth - BitmapFont.width(of: prefix + suffix)
        if room >= 2 * BitmapFont.glyphWidth { return prefix + RGBCanvas.fitted(name, maxWidth: room) + suffix }
        return RGBCanvas.fitted(isConstant ? prefix + "const" : full, maxWidth: maxWidth)
    }

    private static func drawLabel(
        _ text: String, into canvas: inout RGBCanvas, layout: Layout, x: Int, y: Int,
        color: RGBColor = .labelText, right: String? = nil
    ) {
        let top = y + layout.tileHeight
        let scale = layout.labelScale
        canvas.fill(x: x, y: top, width: layout.tileWidth, height: layout.labelHeight, color: .labelStrip)
        canvas.draw(
            text: RGBCanvas.fitted(text, maxWidth: (layout.tileWidth - 4) / scale), x: x + 2, y: top + 2,
            color: color, scale: scale)
        if let right {
            let width = BitmapFont.width(of: right, scale: scale)
            canvas.draw(text: right, x: x + layout.tileWidth - 2 - width, y: top + 2, color: .rangeText, scale: scale)
        }
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
