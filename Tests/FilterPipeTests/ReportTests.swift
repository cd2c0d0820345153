import Testing

@testable import FilterPipe

@Test func reportShowsEachInputBesideItsMontageAndLinksEveryMap() {
    let html = ReportPage.html(
        title: "run", pipelineSummary: "conv 3x3",
        entries: [
            ReportEntry(input: "../photos/cat.png", montage: "montage/cat.png", maps: ["maps/cat_0.png", "maps/cat_1.png"])
        ])
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(html.contains("<img src=\"../photos/cat.png\""))
    #expect(html.contains("<img src=\"montage/cat.png\""))
    #expect(html.contains("<a href=\"maps/cat_0.png\">maps/cat_0.png</a>"))
    #expect(html.contains("<a href=\"maps/cat_1.png\">maps/cat_1.png</a>"))
    #expect(html.contains("<pre>conv 3x3</pre>"))
    #expect(html.contains("1 image, 1 written, 0 failed"))
    #expect(html.hasSuffix("</html>\n"))
}

@Test func reportEscapesEveryPieceOfText() {
    let html = ReportPage.html(
        title: "<script>alert(1)</script>", pipelineSummary: "a & b < c",
        entries: [ReportEntry(input: "x\".png", error: "bad <b>data</b> & 'quotes'")])
    #expect(!html.contains("<script>"))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(html.contains("a &amp; b &lt; c"))
    #expect(html.contains("bad &lt;b&gt;data&lt;/b&gt; &amp; &#39;quotes&#39;"))
    #expect(html.contains("class=\"failed\""))
    #expect(html.contains("1 image, 0 written, 1 failed"))
}

@Test(arguments: [
    ("maps/a b.png", "maps/a%20b.png"),
    ("/etc/passwd", "etc/passwd"),
    ("javascript:alert(1)", "javascript%3Aalert%281%29"),
    ("dir/#frag?.png", "dir/%23frag%3F.png"),
    ("ü.png", "%C3%BC.png"),
    ("../in/cat.jpg", "../in/cat.jpg"),
])
func linksArePercentEncodedAndStayRelative(path: String, expected: String) {
    #expect(ReportPage.href(path) == expected)
}

@Test func failedImagesShowTheirErrorAndAreLinkedNotEmbedded() {
    let html = ReportPage.html(
        title: "t", pipelineSummary: "",
        entries: [
            ReportEntry(input: "a.jpg", error: "a.jpg: truncated JPEG data"),
            ReportEntry(input: "b.png", montage: "b_montage.png"),
        ])
    #expect(html.components(separatedBy: "<section").count == 3)
    #expect(html.contains("<p class=\"error\">a.jpg: truncated JPEG data</p>"))
    #expect(html.components(separatedBy: "<img ").count == 3)  // b input, b montage
    #expect(html.contains("<h2><a href=\"a.jpg\">a.jpg</a></h2>"))
}
