import Testing

@testable import FilterPipe

/// Glyphs of the X11 misc-fixed 6x10 font as its BDF source draws them ('#' set), 10 rows of 6.
private let publishedGlyphs: [(Character, [String])] = [
    ("A", ["......", "..#...", ".#.#..", "#...#.", "#...#.", "#####.", "#...#.", "#...#.", "......", "......"]),
    ("1", ["......", "..#...", ".##...", "#.#...", "..#...", "..#...", "..#...", "#####.", "......", "......"]),
    ("g", ["......", "......", "......", ".####.", "#...#.", "#...#.", ".####.", "....#.", "#...#.", ".###.."]),
    (" ", Array(repeating: "......", count: 10)),
]

@Test(arguments: publishedGlyphs.map { $0.0 })
func fontGlyphsMatchTheMiscFixed6x10Bitmaps(character: Character) {
    let expected = publishedGlyphs.first { $0.0 == character }!.1
    let drawn = (0..<BitmapFont.glyphHeight).map { y in
        String((0..<BitmapFont.glyphWidth).map { x in BitmapFont.isSet(character, x: x, y: y) ? "#" : "." })
    }
    #expect(drawn == expected)
}

@Test func unprintableCharactersDrawAsQuestionMark() {
    #expect(BitmapFont.rows(of: "é") == BitmapFont.rows(of: "?"))
    #expect(BitmapFont.rows(of: "\u{7}") == BitmapFont.rows(of: "?"))
}

@Test func canvasTextSetsExactlyTheGlyphPixels() {
    var canvas = RGBCanvas(width: 20, height: 12, background: RGBColor(0, 0, 0))
    let width = canvas.draw(text: "A1", x: 1, y: 1, color: RGBColor(255, 255, 255))
    #expect(width == 12)
    for y in 0..<12 {
        for x in 0..<20 {
            let gx = x - 1, gy = y - 1
            let expected: Bool
            if gx >= 0 && gx < 6 {
                expected = BitmapFont.isSet("A", x: gx, y: gy)
            } else if gx >= 6 && gx < 12 {
                expected = BitmapFont.isSet("1", x: gx - 6, y: gy)
            } else {
                expected = false
            }
            #expect((canvas.color(x: x, y: y) == RGBColor(255, 255, 255)) == expected, "pixel \(x),\(y)")
        }
    }
}

@Test func fittedTextIsCutToTheWidthWithATilde() {
    #expect(RGBCanvas.fitted("sobel_x", maxWidth: 42) == "sobel_x")
    #expect(RGBCanvas.fitted("sobel_x", maxWidth: 41) == "sobel~")
    #expect(RGBCanvas.fitted("sobel_x", maxWidth: 5) == "")
}
