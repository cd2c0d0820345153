import FilterPipe
import Foundation
import Testing

// `apply --report` end to end: the page's links resolve inside OUTPUT (also after moving it),
// its counts are the files written, failures come first, and each value sidecar is the map's
// own bytes. The browser half (images load, hover values, zoom) is scripts/report-browser-check.py,
// run here when chromium and chromedriver are installed.

private let rampFilter = """
    input gray
    conv pad=same
      filter sobel_x = sobel_x
      filter odd = laplacian
    relu
    output maps normalize=minmax colormap=viridis
    """

/// Every src, href and data-payload of the page, percent-decoded (the page's own anchors aside).
private func links(in html: String) -> [String] {
    let pattern = try! NSRegularExpression(pattern: ##"(?:src|href|data-payload|data-full)="([^"#][^"]*)""##)
    return pattern.matches(in: html, range: NSRange(html.startIndex..., in: html)).map {
        String(html[Range($0.range(at: 1), in: html)!]).removingPercentEncoding!
    }
}

private func pngFiles(under folder: String) -> [String] {
    (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? [])
        .filter { $0.hasSuffix(".png") && !$0.hasPrefix("index.files/") }.sorted()
}

private func makeBatch(_ scratch: Scratch) -> (filter: String, inputs: String) {
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "photos/a <b> & 'c'.png")
    scratch.copy(CLI.samples + "/images/rocket.jpg", to: "photos/rocket.jpg")
    _ = scratch.write("photos/broken.png", "\u{89}PNG\r\n\u{1a}\n not really")
    let filter = scratch.write("ramp.filter", rampFilter)
    return (filter, scratch.file("photos"))
}

@Test func theReportsLinksAllResolveInsideOutputAndStillDoAfterTheFolderMoves() throws {
    let scratch = Scratch()
    let batch = makeBatch(scratch)
    let run = try CLI.run(["apply", batch.filter, batch.inputs, scratch.file("out"), "--report", "--stages", "-q"])
    #expect(run.status == 1, "\(run.stderr)")  // broken.png failed, the rest written
    for folder in ["out", "moved/elsewhere"] {
        if folder != "out" {
            try FileManager.default.createDirectory(atPath: scratch.file("moved"), withIntermediateDirectories: true)
            try FileManager.default.moveItem(atPath: scratch.file("out"), toPath: scratch.file(folder))
            try FileManager.default.removeItem(atPath: scratch.file("photos"))
        }
        let root = scratch.file(folder)
        let html = try String(contentsOfFile: root + "/index.html", encoding: .utf8)
        let found = links(in: html)
        #expect(found.count > 20)
        for link in found {
            #expect(!link.hasPrefix("/") && !link.split(separator: "/").contains("..") && !link.contains("://"), "\(link)")
            #expect(FileManager.default.fileExists(atPath: root + "/" + link), "\(folder): \(link) is missing")
        }
    }
}

@Test func theReportShowsExactlyTheMapsWrittenFailuresFirstWithTheirReason() throws {
    let scratch = Scratch()
    let batch = makeBatch(scratch)
    let run = try CLI.run(["apply", batch.filter, batch.inputs, scratch.file("out"), "--report", "--stages", "-q"])
    #expect(run.status == 1, "\(run.stderr)")
    let html = try String(contentsOfFile: scratch.file("out/index.html"), encoding: .utf8)
    let written = pngFiles(under: scratch.file("out"))
    // 2 images × (2 conv maps + 2 final maps); no montage unless asked for.
    #expect(written.count == 8, "\(written)")
    #expect(html.components(separatedBy: "<figure class=\"map\"").count - 1 == written.count)
    #expect(html.contains("3 images: 2 written, 1 failed; 8 files shown"))
    let failure = try #require(html.range(of: "<li class=\"failed\">"))
    let firstWritten = try #require(html.range(of: "<li><a href=\"#image-"))
    #expect(failure.lowerBound < firstWritten.lowerBound)
    let reason = run.stderr.split(separator: "\n").first { $0.contains("broken.png") }.map(String.init) ?? "?"
    #expect(html.contains("<span class=\"reason\">\(ReportPage.escape(reason))</span>"), "\(reason)")
    // The input's name is escaped as text and percent-encoded in its preview's link.
    #expect(html.contains("a &lt;b&gt; &amp; &#39;c&#39;.png</h2>"))
    #expect(html.contains("index.files/images/a%20%3Cb%3E%20%26%20%27c%27/input-preview.png"))
    #expect(!html.contains("<b>"))
}

@Test func theReportLinksEveryMontageWrittenTheStagesOnesAndTheFinalOne() throws {
    let scratch = Scratch()
    let batch = makeBatch(scratch)
    let run = try CLI.run(["apply", batch.filter, batch.inputs, scratch.file("out"), "--report", "--stages", "--montage", "-q"])
    #expect(run.status == 1, "\(run.stderr)")
    let html = try String(contentsOfFile: scratch.file("out/index.html"), encoding: .utf8)
    let montages = pngFiles(under: scratch.file("out")).filter { $0.hasSuffix("montage.png") }
    // 2 images × (one montage per conv stage + the final one).
    #expect(montages.count == 4, "\(montages)")
    let linked = Set(links(in: html))
    for montage in montages { #expect(linked.contains(montage), "\(montage) is not linked") }
}

@Test func eachValueSidecarCarriesItsMapsExactBytesAndTheLegendItsStoredRange() throws {
    let scratch = Scratch()
    let batch = makeBatch(scratch)
    _ = try CLI.run(["apply", batch.filter, batch.inputs, scratch.file("out"), "--report", "-q"])
    let root = scratch.file("out")
    let map = "rocket/00-sobel_x.png"
    let bytes = try Data(contentsOf: URL(fileURLWithPath: root + "/" + map))
    let sidecar = try String(contentsOfFile: root + "/index.files/images/rocket/00-sobel_x.js", encoding: .utf8)
    let prefix = "FP.payload(document.currentScript,\""
    #expect(sidecar.hasPrefix(prefix) && sidecar.hasSuffix("\");\n"))
    let base64 = sidecar.dropFirst(prefix.count).dropLast(4)
    #expect(Data(base64Encoded: String(base64)) == bytes)
    let metadata = try #require(PNGHeader(bytes: Array(bytes))?.mapMetadata)
    let html = try String(contentsOfFile: root + "/index.html", encoding: .utf8)
    #expect(
        html.contains("data-lo=\"\(metadata.range.lowerBound)\" data-hi=\"\(metadata.range.upperBound)\" data-cmap=\"viridis\""))
    // The preview and the grid's copy are small; the enlarged view links the full map.
    let preview = try #require(
        PNGHeader(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: root + "/index.files/images/rocket/input-preview.png"))))
    )
    #expect(max(preview.width, preview.height) == ReportBuilder.previewMaxSide)
    let thumbnail = try #require(
        PNGHeader(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: root + "/index.files/images/" + map)))))
    #expect(max(thumbnail.width, thumbnail.height) == ReportBuilder.thumbnailMaxSide)
    #expect(html.contains("data-full=\"rocket/00-sobel_x.png\""))
}

private let browserCheck = CLI.root + "/scripts/report-browser-check.py"
private let haveChromium =
    FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
    && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
    && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")

@Test(.enabled(if: haveChromium, "chromium, chromedriver and python3 are not installed"), .timeLimit(.minutes(3)))
func inChromiumFromFileTheReportsImagesLoadHoverShowsTheTensorsValueAndZoomIsLinked() throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = [browserCheck, CLI.binary]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(text)")
    #expect(text.contains("report-browser-check: OK"), "\(text)")
}

@Test func aReportFileThatWouldReplaceAnInputIsRefusedBeforeAnyImageRuns() throws {
    let scratch = Scratch()
    // Given directly, this input's stem is "input-preview": its own preview would replace it.
    let input = "out/index.files/images/input-preview/input-preview.png"
    scratch.copy(CLI.samples + "/images/chelsea.png", to: input)
    let filter = scratch.write("ramp.filter", rampFilter)
    let before = try Data(contentsOf: URL(fileURLWithPath: scratch.file(input)))
    let run = try CLI.run(["apply", filter, input, "out", "--report", "-q"], in: scratch.path)
    #expect(run.status == 2, "\(run.stderr)")
    #expect(run.stderr.contains("\(input) would overwrite input \(input)"), "\(run.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.file(input))) == before)
    #expect(!FileManager.default.fileExists(atPath: scratch.file("out/index.html")))
    // Without --report nothing of the report is planned, and the run goes ahead.
    #expect(try CLI.run(["apply", filter, input, "out", "-q"], in: scratch.path).status == 0)
}
