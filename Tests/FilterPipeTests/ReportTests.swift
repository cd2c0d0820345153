import Foundation
import Testing

@testable import FilterPipe

private func map(_ file: String, name: String, range: ClosedRange<Float> = 0...1, colormap: OutputSpec.Colormap = .gray)
    -> ReportMap
{
    ReportMap(
        file: file, name: name,
        metadata: MapMetadata(mapName: name, mapIndex: 0, range: range, normalization: .minmax, colormap: colormap),
        width: 4, height: 3, payload: "index.files/images/" + file.dropLast(4) + ".js")
}

private func entry(_ input: String, maps: [ReportMap] = [], error: String? = nil) -> ReportEntry {
    ReportEntry(
        input: input,
        preview: error == nil
            ? "index.files/images/\(input.split(separator: "/").last!.split(separator: ".")[0])/input-preview.png" : nil,
        previewWidth: 4,
        previewHeight: 3, stages: maps.isEmpty ? [] : [ReportStage(title: "1 conv (final)", maps: maps)], error: error)
}

/// Every `src="…"` and `href="…"` of the page, as written.
private func links(_ html: String) -> [String] {
    let pattern = try! NSRegularExpression(pattern: #"(?:src|href|data-payload)="([^"]*)""#)
    return pattern.matches(in: html, range: NSRange(html.startIndex..., in: html)).map {
        String(html[Range($0.range(at: 1), in: html)!])
    }
}

@Test(arguments: [
    ("plain", "plain"),
    ("a & b", "a &amp; b"),
    ("<script>", "&lt;script&gt;"),
    ("say \"hi\"", "say &quot;hi&quot;"),
    ("it's", "it&#39;s"),
    ("&amp;", "&amp;amp;"),
    ("ü ✓", "ü ✓"),
])
func escapingCoversTheFiveHTMLSpecialCharacters(text: String, expected: String) {
    #expect(ReportPage.escape(text) == expected)
}

@Test func fileNamesMapNamesAndReasonsWithMarkupAppearOnlyEscaped() {
    let hostile = "x<img src=y onerror=alert(1)>&\"'"
    let html = ReportPage.html(
        title: "<script>alert(1)</script>", pipelineSummary: "a & b < c",
        entries: [
            entry(hostile + ".png", maps: [map(hostile + "/00-" + hostile + ".png", name: hostile)]),
            entry("bad" + hostile + ".png", error: "bad" + hostile + ".png: truncated <b>data</b>"),
        ])
    #expect(!html.contains("<script>alert"))
    #expect(!html.contains("<img src=y"))
    #expect(!html.contains("<b>data"))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(html.contains("a &amp; b &lt; c"))
    #expect(html.contains("x&lt;img src=y onerror=alert(1)&gt;&amp;&quot;&#39;"))
    #expect(html.contains("truncated &lt;b&gt;data&lt;/b&gt;"))
    // In links the same name is percent-encoded, so it cannot end the attribute either.
    #expect(html.contains("src=\"x%3Cimg%20src%3Dy%20onerror%3Dalert%281%29%3E%26%22%27/00-x%3Cimg"))
    // The page's own script is the only one.
    #expect(html.components(separatedBy: "<script").count == 2)
}

@Test(arguments: [
    ("maps/a b.png", "maps/a%20b.png"),
    ("/etc/passwd", "etc/passwd"),
    ("javascript:alert(1)", "javascript%3Aalert%281%29"),
    ("dir/#frag?.png", "dir/%23frag%3F.png"),
    ("ü.png", "%C3%BC.png"),
    ("x\"onload=\"y.png", "x%22onload%3D%22y.png"),
])
func linksArePercentEncodedAndStayRelative(path: String, expected: String) {
    #expect(ReportPage.href(path) == expected)
}

@Test func failuresComeFirstInTheContentsAndTheSectionsKeepingTheirOrderOtherwise() {
    let html = ReportPage.html(
        title: "t", pipelineSummary: "",
        entries: [
            entry("a.png", maps: [map("a/00-x.png", name: "x")]),
            entry("b.png", error: "b.png: not a PNG or JPEG"),
            entry("c.png", maps: [map("c/00-x.png", name: "x")]),
            entry("d.jpg", error: "d.jpg: truncated JPEG data"),
        ])
    func order(of marker: String) -> [String] {
        ["a.png", "b.png", "c.png", "d.jpg"].sorted {
            html.range(of: marker + $0)!.lowerBound < html.range(of: marker + $1)!.lowerBound
        }
    }
    #expect(order(of: "\">") == ["b.png", "d.jpg", "a.png", "c.png"])  // contents links
    #expect(order(of: "<h2>") == ["b.png", "d.jpg", "a.png", "c.png"])  // sections
    #expect(
        html.contains(
            "<li class=\"failed\"><a href=\"#image-0\">b.png</a> <span class=\"reason\">b.png: not a PNG or JPEG</span>"))
    #expect(
        html.contains(
            "<section id=\"image-1\" class=\"image failed\">\n<h2>d.jpg</h2>\n<p class=\"error\">d.jpg: truncated JPEG data</p>"))
    #expect(html.contains("4 images: 2 written, 2 failed; 2 files shown"))
}

@Test func theCountsAndFiguresAreTheFilesGiven() {
    let stages = [
        ReportStage(title: "1 conv", maps: (0..<3).map { map("a/stage-1-conv/0\($0)-m.png", name: "m\($0)") }),
        ReportStage(title: "2 relu (final)", maps: (0..<3).map { map("a/0\($0)-m.png", name: "m\($0)") }),
    ]
    let html = ReportPage.html(
        title: "t", pipelineSummary: "",
        entries: [ReportEntry(input: "a.png", stages: stages, pictures: ["a/montage.png"])])
    #expect(html.components(separatedBy: "<figure class=\"map\"").count - 1 == 6)
    #expect(html.contains("1 image: 1 written, 0 failed; 7 files shown"))
    #expect(html.contains("<span class=\"muted\">7 files</span>"))
    // The final stage is the one shown first; the earlier one is a hidden tab.
    #expect(html.contains("<div class=\"grid\" data-stage=\"0\" data-title=\"1 conv\" hidden>"))
    #expect(html.contains("<div class=\"grid\" data-stage=\"1\" data-title=\"2 relu (final)\">"))
    #expect(html.contains("aria-selected=\"true\">2 relu (final) <span class=\"muted\">3</span>"))
}

@Test func everyLinkIsRelativeAndNoneLeavesTheReportFolder() {
    let html = ReportPage.html(
        title: "t", pipelineSummary: "", filtersPicture: "index.files/filters.png",
        entries: [
            entry("../../photos/cat.png", maps: [map("cat/00-x.png", name: "x")]),
            entry("/abs/dog.png", error: "/abs/dog.png: bad"),
        ])
    let found = links(html)
    #expect(found.count >= 5)
    for link in found {
        #expect(!link.hasPrefix("/") && !link.hasPrefix("..") && !link.contains(":"), "\(link)")
        #expect(!link.contains("/../"), "\(link)")
    }
    // The input's own path is text only: it may lie outside the folder.
    #expect(!found.contains { $0.contains("photos") })
    #expect(html.contains("<h2>../../photos/cat.png</h2>"))
}

@Test(arguments: OutputSpec.Colormap.allCases)
func theLegendRunsFromTheColourMapsFirstToItsLastColourAndNamesTheRange(colormap: OutputSpec.Colormap) {
    let metadata = MapMetadata(mapIndex: 0, range: -2...6, normalization: .minmax, colormap: colormap)
    let html = ReportPage.legend(metadata)
    let first = colormap.color(at: 0)
    let last = colormap.color(at: 255)
    #expect(html.contains("rgb(\(first.red),\(first.green),\(first.blue)) 0.0%"))
    #expect(html.contains("rgb(\(last.red),\(last.green),\(last.blue)) 100.0%"))
    #expect(html.contains("<span>-2</span><span>2</span><span>6</span>"))
    let symmetric = ReportPage.legend(MapMetadata(mapIndex: 0, range: -3...3, normalization: .symmetric))
    #expect(symmetric.contains("<span>-3</span><span>0</span><span>3</span>"))
}

@Test func thePageCarriesTheColourTablesItsMapsUse() {
    let html = ReportPage.html(
        title: "t", pipelineSummary: "", entries: [entry("a.png", maps: [map("a/00-x.png", name: "x", colormap: .magma)])])
    let magma = (0..<256).map { level -> String in
        let c = OutputSpec.Colormap.magma.color(at: level)
        return "\(c.red),\(c.green),\(c.blue)"
    }
    #expect(html.contains("const COLORMAPS = {\"magma\": [\(magma.joined(separator: ","))]};"))
    #expect(!html.contains("\"viridis\""))
}

@Test func thePNGHeaderReaderReturnsTheSizeAndTheMapMetadataWritten() throws {
    let metadata = MapMetadata(
        filterFile: "a<b>.filter", mapName: "edge & line", mapIndex: 3, range: -0.25...1.5, normalization: .symmetric,
        colormap: .diverging, bitDepth: 8)
    let image = PixelBuffer(width: 5, height: 2, channels: 3, samples: .uint8(Array(repeating: 7, count: 30)))
    let bytes = try ImageCodec.encodePNG(image, options: PNGWriteOptions(text: metadata.textChunks))
    let header = try #require(PNGHeader(bytes: bytes))
    #expect(header.width == 5 && header.height == 2 && header.bitDepth == 8 && header.colorType == 2)
    #expect(header.mapMetadata == metadata)
    #expect(PNGHeader(bytes: Array(bytes[0..<20])) == nil)
    #expect(PNGHeader(bytes: Array("not a png at all, not at all, no".utf8)) == nil)
}

@Test func aMapsFilterIsTheLastConvsFilterOfTheSameIndexThroughActivationsAndPools() throws {
    let spec = try FilterFileParser.parse(
        """
        input gray
        conv
          filter a = sobel_x
          filter b = sobel_y
        relu
        maxpool size=2
        conv depthwise
          filter p = box size=3
          filter q = laplacian
        abs
        """, fileName: "t.filter")
    let builder = ReportBuilder(spec: spec, options: BatchOptions(), output: OutputTree(root: "/nonexistent"))
    #expect(builder.filterOrigin(stage: 0, map: 1)! == (0, 1))
    #expect(builder.filterOrigin(stage: 2, map: 1)! == (0, 1))  // relu, maxpool keep channel 1
    #expect(builder.filterOrigin(stage: 2, map: 2) == nil)
    // Depthwise: map c·F + f is filter f on channel c.
    #expect(builder.filterOrigin(stage: 4, map: 3)! == (3, 1))
    #expect(builder.filterOrigin(stage: 4, map: 2)! == (3, 0))
}

@Test func aFilterPictureHasOnePixelPerWeightRedPositiveBlueNegativeWhiteZero() {
    let filter = FilterSpec(
        name: "f",
        channels: [
            Matrix(rows: 1, columns: 3, values: [-2, 0, 2]),
            Matrix(rows: 1, columns: 3, values: [1, -1, 0]),
        ])
    let picture = ReportBuilder.filterPixels(filter, magnitude: 2)
    #expect(picture.width == 7 && picture.height == 1)
    guard case .uint8(let rgb) = picture.samples else { Issue.record("8-bit"); return }
    func pixel(_ x: Int) -> [UInt8] { Array(rgb[(3 * x)..<(3 * x + 3)]) }
    let diverging = OutputSpec.Colormap.diverging
    let blue = diverging.color(at: 0)
    let red = diverging.color(at: 255)
    #expect(pixel(0) == [blue.red, blue.green, blue.blue])
    #expect(pixel(2) == [red.red, red.green, red.blue])
    #expect(pixel(3) == [160, 160, 160])  // the gap between channels
    #expect(pixel(1) == pixel(6))  // zero in both channels
    #expect(pixel(1)[0] > 230 && pixel(1)[1] > 230 && pixel(1)[2] > 230)  // near white
}

@Test func aLongMapNameKeepsItsEndSoSimilarNamesStayApart() {
    #expect(ReportPage.nameSpans("edges") == "edges")
    #expect(
        ReportPage.nameSpans("kirsch_compass_direction_north_east")
            == "<span class=\"head\">kirsch_compass_direction_no</span><span class=\"tail\">rth_east</span>")
    #expect(
        ReportPage.nameSpans("a<b>&c_long_name_here")
            == "<span class=\"head\">a&lt;b&gt;&amp;c_long_n</span><span class=\"tail\">ame_here</span>")
}
