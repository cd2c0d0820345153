// An 8-bit RGB drawing surface for montages and filter drawings: rectangles, text in the
// built-in bitmap font, and pasted images. Everything is clipped to the canvas.

/// An 8-bit RGB colour.
struct RGBColor: Sendable, Equatable {
    var red: UInt8
    var green: UInt8
    var blue: UInt8
    init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    static let background = RGBColor(24, 24, 24)
    static let labelStrip = RGBColor(0, 0, 0)
    static let labelText = RGBColor(235, 235, 235)
    static let warning = RGBColor(230, 40, 40)
    static let frame = RGBColor(96, 96, 96)
    static let rangeText = RGBColor(150, 150, 150)
}

/// A width × height RGB picture being drawn, row-major, 3 samples per pixel.
struct RGBCanvas {
    let width: Int
    let height: Int
    private(set) var samples: [UInt8]

    init(width: Int, height: Int, background: RGBColor = .background) {
        self.width = width
        self.height = height
        samples = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, color: background)
    }

    var pixelBuffer: PixelBuffer {
        PixelBuffer(width: width, height: height, channels: 3, samples: .uint8(samples))
    }

    func color(x: Int, y: Int) -> RGBColor {
        let i = (y * width + x) * 3
        return RGBColor(samples[i], samples[i + 1], samples[i + 2])
    }

    mutating func set(x: Int, y: Int, _ color: RGBColor) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        samples[i] = color.red
        samples[i + 1] = color.green
        samples[i + 2] = color.blue
    }

    mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: RGBColor) {
        let x0 = max(x, 0), y0 = max(y, 0)
        let x1 = min(x + w, width), y1 = min(y + h, height)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            for column in x0..<x1 {
                let i = (row * width + column) * 3
                samples[i] = color.red
                samples[i + 1] = color.green
                samples[i + 2] = color.blue
            }
        }
    }

    /// A `thickness`-pixel outline drawn inside the rectangle.
    mutating func stroke(x: Int, y: Int, width w: Int, height h: Int, thickness: Int, color: RGBColor) {
        fill(x: x, y: y, width: w, height: thickness, color: color)
        fill(x: x, y: y + h - thickness, width: w, height: thickness, color: color)
        fill(x: x, y: y, width: thickness, height: h, color: color)
        fill(x: x + w - thickness, y: y, width: thickness, height: h, color: color)
    }

    /// Pastes interleaved RGB `pixels` (w × h) with its top-left corner at (x, y).
    mutating func paste(rgb pixels: [UInt8], width w: Int, height h: Int, x: Int, y: Int) {
        for row in 0..<h where y + row >= 0 && y + row < height {
            for column in 0..<w where x + column >= 0 && x + column < width {
                let source = (row * w + column) * 3
                let target = ((y + row) * width + x + column) * 3
                samples[target] = pixels[source]
                samples[target + 1] = pixels[source + 1]
                samples[target + 2] = pixels[source + 2]
            }
        }
    }

    /// Draws `text` with the top-left of its first character cell at (x, y), each font pixel a
    /// `scale` × `scale` square; returns the width used.
    @discardableResult
    mutating func draw(text: String, x: Int, y: Int, color: RGBColor = .labelText, scale: Int = 1) -> Int {
        var left = x
        for character in text {
            let glyph = BitmapFont.rows(of: character)
            for (row, bits) in glyph.enumerated() where bits != 0 {
                for column in 0..<BitmapFont.glyphWidth where bits & (0x80 >> UInt8(column)) != 0 {
                    fill(x: left + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
                }
            }
            left += BitmapFont.glyphWidth * scale
        }
        return left - x
    }

    /// `text` cut to at most `maxWidth` pixels, with a trailing "~" when shortened.
    static func fitted(_ text: String, maxWidth: Int) -> String {
        let maxCharacters = max(maxWidth / BitmapFont.glyphWidth, 0)
        guard text.count > maxCharacters else { return text }
        guard maxCharacters > 1 else { return String(text.prefix(maxCharacters)) }
        return String(text.prefix(maxCharacters - 1)) + "~"
    }
}
