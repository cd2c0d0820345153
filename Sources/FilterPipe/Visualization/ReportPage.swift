// The `apply --report` page: one index.html with inline CSS and script (ReportTemplate), no
// network, no external file but the run's own PNGs and the report's folder `index.files/`. Every
// link is relative within OUTPUT and percent-encoded; every piece of text is HTML-escaped.
//
// Values under the cursor: Chromium treats file:// images as cross-origin, so a canvas cannot
// read an <img>'s pixels when the page is opened from disk. Each map instead has a sidecar script
// (`payload`) that hands the page the PNG's own bytes (base64); the page inflates and unfilters
// them itself and turns the sample into a value with the range stored in the map's tEXt chunks.

/// One map as the report shows it. Paths are relative to the report's folder.
public struct ReportMap: Sendable, Equatable {
    public var file: String
    public var name: String
    /// What the map's tEXt chunks record (nil for a PNG without them: no legend, no values).
    public var metadata: MapMetadata?
    public var width: Int
    public var height: Int
    /// The sidecar script holding the PNG's bytes, for values under the cursor.
    public var payload: String?
    /// The picture of the filter that made this map (or made the map it was computed from).
    public var filter: ReportFilterPicture?
    /// A smaller copy for the grid (the enlarged view shows `file`), if the map is large.
    public var thumbnail: String?
    /// A montage or composed image rather than one map: drawn across the whole grid.
    public var wide = false

    public init(
        file: String, name: String, metadata: MapMetadata?, width: Int, height: Int, payload: String? = nil,
        filter: ReportFilterPicture? = nil
    ) {
        self.file = file
        self.name = name
        self.metadata = metadata
        self.width = width
        self.height = height
        self.payload = payload
        self.filter = filter
    }
}

/// A drawn filter: `file` is a small PNG with one pixel per weight (drawn enlarged).
public struct ReportFilterPicture: Sendable, Equatable {
    public var file: String
    public var title: String
    public var width: Int
    public var height: Int

    public init(file: String, title: String, width: Int, height: Int) {
        self.file = file
        self.title = title
        self.width = width
        self.height = height
    }
}

/// The maps after one stage (or the final maps).
public struct ReportStage: Sendable, Equatable {
    public var title: String
    public var maps: [ReportMap]

    public init(title: String, maps: [ReportMap]) {
        self.title = title
        self.maps = maps
    }
}

/// One input image of the batch, as the report shows it.
public struct ReportEntry: Sendable, Equatable {
    /// The input's path as given (shown as text; it may lie outside OUTPUT, so it is not linked).
    public var input: String
    /// A downscaled copy of the input inside OUTPUT.
    public var preview: String?
    public var previewWidth: Int
    public var previewHeight: Int
    /// The final maps last; earlier stages (with `--stages`) before them, in pipeline order.
    public var stages: [ReportStage]
    /// Other written pictures (montage, composed image), linked and shown below the maps.
    public var pictures: [String]
    /// Why the image failed, or nil when it succeeded.
    public var error: String?

    public init(
        input: String, preview: String? = nil, previewWidth: Int = 0, previewHeight: Int = 0,
        stages: [ReportStage] = [], pictures: [String] = [], error: String? = nil
    ) {
        self.input = input
        self.preview = preview
        self.previewWidth = previewWidth
        self.previewHeight = previewHeight
        self.stages = stages
        self.pictures = pictures
        self.error = error
    }

    /// Every file the report shows for this image (maps of every stage and other pictures).
    public var fileCount: Int { stages.reduce(0) { $0 + $1.maps.count } + pictures.count }
}

/// Generates the report page.
public enum ReportPage {
    /// Failed images first, then the rest, each group in the given order.
    public static func ordered(_ entries: [ReportEntry]) -> [ReportEntry] {
        entries.filter { $0.error != nil } + entries.filter { $0.error == nil }
    }

    /// The complete `index.html`: a header with `title`, the filters picture, `pipelineSummary`
    /// (preformatted), the counts, a contents list with failures first, then one section per image
    /// in the same order.
    public static func html(
        title: String, pipelineSummary: String, filtersPicture: String? = nil, entries: [ReportEntry]
    ) -> String {
        let sorted = ordered(entries)
        let failed = sorted.filter { $0.error != nil }.count
        let files = sorted.reduce(0) { $0 + $1.fileCount }
        let colormaps = Set(sorted.flatMap { $0.stages.flatMap { $0.maps.compactMap { $0.metadata?.colormap } } })
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>
            \(ReportTemplate.css)
            </style>
            </head>
            <body>
            <header>
            <h1>\(escape(title))</h1>
            <p class="counts">\(plural(sorted.count, "image")): \(sorted.count - failed) written, \(failed) failed; \(plural(files, "file")) shown</p>
            <details class="summary"><summary>pipeline</summary>
            <pre>\(escape(pipelineSummary))</pre>

            """
        if let filtersPicture {
            page +=
                "<p><a href=\"\(href(filtersPicture))\"><img class=\"filters\" loading=\"lazy\" src=\"\(href(filtersPicture))\" alt=\"the filters\"></a></p>\n"
        }
        page += "</details>\n</header>\n"
        page += contents(sorted)
        page += "<main>\n"
        for (number, entry) in sorted.enumerated() {
            page += section(entry, number: number)
        }
        page += "</main>\n"
        page += ReportTemplate.lightbox
        page += "<script>\nconst COLORMAPS = \(colormapTable(colormaps));\n\(ReportTemplate.script)\n</script>\n"
        page += "</body>\n</html>\n"
        return page
    }

    private static func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    private static func contents(_ entries: [ReportEntry]) -> String {
        var html = "<nav id=\"contents\"><h2>contents</h2>\n<ol>\n"
        for (number, entry) in entries.enumerated() {
            if let error = entry.error {
                html +=
                    "<li class=\"failed\"><a href=\"#image-\(number)\">\(escape(entry.input))</a> <span class=\"reason\">\(escape(error))</span></li>\n"
            } else {
                html +=
                    "<li><a href=\"#image-\(number)\">\(escape(entry.input))</a> <span class=\"muted\">\(plural(entry.fileCount, "file"))</span></li>\n"
            }
        }
        return html + "</ol>\n</nav>\n"
    }

    private static func section(_ entry: ReportEntry, number: Int) -> String {
        var html = "<section id=\"image-\(number)\" class=\"image\(entry.error == nil ? "" : " failed")\">\n"
        html += "<h2>\(escape(entry.input))</h2>\n"
        if let error = entry.error {
            // A failed input may not be a readable picture at all: no preview, the reason only.
            html += "<p class=\"error\">\(escape(error))</p>\n"
        }
        if entry.preview == nil && entry.stages.isEmpty && entry.pictures.isEmpty { return html + "</section>\n" }
        html += "<div class=\"row\">\n"
        if let preview = entry.preview {
            html +=
                "<figure class=\"input\"><a href=\"\(href(preview))\"><img class=\"input\" loading=\"lazy\" src=\"\(href(preview))\" width=\"\(entry.previewWidth)\" height=\"\(entry.previewHeight)\" alt=\"input: \(escape(entry.input))\"></a><figcaption>input (preview \(entry.previewWidth)×\(entry.previewHeight))</figcaption></figure>\n"
        }
        html += "<div class=\"maps\">\n"
        if entry.stages.count > 1 {
            html += "<div class=\"stages\" role=\"tablist\">"
            for (index, stage) in entry.stages.enumerated() {
                let selected = index == entry.stages.count - 1
                html +=
                    "<button type=\"button\" role=\"tab\" data-stage=\"\(index)\" aria-selected=\"\(selected)\">\(escape(stage.title)) <span class=\"muted\">\(stage.maps.count)</span></button>"
            }
            html += "</div>\n"
        }
        for (index, stage) in entry.stages.enumerated() {
            let hidden = index == entry.stages.count - 1 ? "" : " hidden"
            html += "<div class=\"grid\" data-stage=\"\(index)\" data-title=\"\(escape(stage.title))\"\(hidden)>\n"
            for map in stage.maps { html += figure(map) }
            html += "</div>\n"
        }
        if !entry.pictures.isEmpty {
            html += "<p class=\"pictures\">"
            html += entry.pictures.map { "<a href=\"\(href($0))\">\(escape($0))</a>" }.joined(separator: " · ")
            html += "</p>\n"
        }
        html += "</div>\n</div>\n"
        return html + "</section>\n"
    }

    private static func figure(_ map: ReportMap) -> String {
        var attributes =
            "data-name=\"\(escape(map.name))\" data-w=\"\(map.width)\" data-h=\"\(map.height)\" data-full=\"\(href(map.file))\""
        if let metadata = map.metadata {
            attributes +=
                " data-lo=\"\(metadata.range.lowerBound)\" data-hi=\"\(metadata.range.upperBound)\" data-cmap=\"\(metadata.colormap.rawValue)\" data-depth=\"\(metadata.bitDepth)\""
        }
        if let payload = map.payload { attributes += " data-payload=\"\(href(payload))\"" }
        var html = "<figure class=\"map\(map.wide ? " wide" : "")\" \(attributes)>"
        html +=
            "<img class=\"map\" loading=\"lazy\" src=\"\(href(map.thumbnail ?? map.file))\" width=\"\(map.width)\" height=\"\(map.height)\" alt=\"\(escape(map.name))\">"
        html += "<figcaption><div class=\"caption\">"
        if let filter = map.filter {
            // Pixelated and at least 3 px a weight, but never wider than the caption allows.
            let scale = max(3, min(8, 40 / max(filter.height, 1)))
            html +=
                "<img class=\"filter\" loading=\"lazy\" src=\"\(href(filter.file))\" width=\"\(filter.width * scale)\" height=\"\(filter.height * scale)\" title=\"\(escape(filter.title))\" alt=\"filter \(escape(filter.title))\">"
        }
        html += "<span class=\"name\" title=\"\(escape(map.name))\">\(nameSpans(map.name))</span>"
        html += "<a class=\"file\" href=\"\(href(map.file))\" title=\"\(escape(map.file))\">png</a></div>"
        if let metadata = map.metadata { html += legend(metadata) }
        html += "<output class=\"value\">&nbsp;</output></figcaption></figure>\n"
        return html
    }

    /// A name that, when too long for its caption, loses its middle rather than its end (eight
    /// `kirsch_compass_direction_*` maps must stay apart): the head shrinks with an ellipsis, the
    /// last `tail` characters always show.
    static func nameSpans(_ name: String, tail: Int = 8) -> String {
        guard name.count > tail + 4 else { return escape(name) }
        let split = name.index(name.endIndex, offsetBy: -tail)
        return
            "<span class=\"head\">\(escape(String(name[..<split])))</span><span class=\"tail\">\(escape(String(name[split...])))</span>"
    }

    /// The colour bar with the range's ends (and zero or the middle) as ticks.
    static func legend(_ metadata: MapMetadata) -> String {
        let stops = stride(from: 0, through: 255, by: 17).map { level -> String in
            let c = metadata.colormap.color(at: level)
            return "rgb(\(c.red),\(c.green),\(c.blue)) \(formatted(Double(level) / 2.55, decimals: 1))%"
        }
        let lo = metadata.range.lowerBound
        let hi = metadata.range.upperBound
        let middle = lo < 0 && hi > 0 && abs(lo + hi) <= (hi - lo) * 1e-6 ? 0 : (lo + hi) / 2
        return """
            <div class="legend" title="\(escape(metadata.colormap.rawValue)), \(metadata.normalization.rawValue), \(metadata.bitDepth)-bit: \(lo) … \(hi)"><div class="bar" style="background: linear-gradient(to right, \(stops.joined(separator: ", ")))"></div><div class="ticks"><span>\(escape(Montage.compact(lo)))</span><span>\(escape(Montage.compact(middle)))</span><span>\(escape(Montage.compact(hi)))</span></div></div>
            """
    }

    /// The colour tables the page's script needs to turn an RGB pixel back into a level.
    static func colormapTable(_ colormaps: Set<OutputSpec.Colormap>) -> String {
        let entries = colormaps.sorted { $0.rawValue < $1.rawValue }.compactMap { colormap -> String? in
            guard colormap != .gray else { return nil }
            let values = (0..<256).map { level -> String in
                let c = colormap.color(at: level)
                return "\(c.red),\(c.green),\(c.blue)"
            }
            return "\"\(colormap.rawValue)\": [\(values.joined(separator: ","))]"
        }
        return "{" + entries.joined(separator: ", ") + "}"
    }

    /// Text safe inside HTML elements and quoted attributes.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A relative URL for a relative file path: '/' separates segments, every byte outside
    /// RFC 3986's unreserved set is percent-encoded (so "a:b" or "#" cannot turn into a scheme
    /// or fragment), and leading slashes are dropped so the link stays relative.
    public static func href(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        var out = ""
        for byte in trimmed.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out += "%"
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}
