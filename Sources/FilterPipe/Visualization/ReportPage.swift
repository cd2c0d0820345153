// The `apply --report` page: one self-contained index.html (inline CSS, no scripts) that shows
// each input beside its montage and links every written map. Every path is a relative link,
// percent-encoded; every piece of text is HTML-escaped.

/// One processed input image, as the report shows it. Paths are relative to the report's folder.
public struct ReportEntry: Sendable, Equatable {
    /// The input photo.
    public var input: String
    /// The montage written for it, if any.
    public var montage: String?
    /// Every map file written for it, in map order.
    public var maps: [String]
    /// Why the image failed, or nil when it succeeded.
    public var error: String?

    public init(input: String, montage: String? = nil, maps: [String] = [], error: String? = nil) {
        self.input = input
        self.montage = montage
        self.maps = maps
        self.error = error
    }
}

/// Generates the report page.
public enum ReportPage {
    /// The complete `index.html`: a header with `title` and `pipelineSummary` (shown verbatim,
    /// preformatted), a count of successes and failures, then one section per entry.
    public static func html(title: String, pipelineSummary: String, entries: [ReportEntry]) -> String {
        let failed = entries.filter { $0.error != nil }.count
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>
            body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; background: #fafafa; color: #222; }
            h1 { font-size: 1.4em; margin: 0 0 .5em; }
            h2 { font-size: 1.05em; margin: 0 0 .5em; word-break: break-all; }
            pre { background: #fff; border: 1px solid #ddd; padding: .8em; overflow-x: auto; }
            section { background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: 1em; margin: 1em 0; }
            section.failed { border-color: #d33; background: #fff5f5; }
            .row { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
            figure { margin: 0; }
            figure.input img { max-width: 320px; }
            figure.montage img { max-width: min(100%, 1200px); }
            img { height: auto; border: 1px solid #ccc; }
            figcaption { font-size: .85em; color: #666; }
            .error { color: #b00; font-family: monospace; white-space: pre-wrap; }
            ul.maps { columns: 14em; margin: .6em 0 0; padding-left: 1.2em; font-size: .9em; }
            .summary { color: #555; }
            </style>
            </head>
            <body>
            <h1>\(escape(title))</h1>
            <pre>\(escape(pipelineSummary))</pre>
            <p class="summary">\(entries.count) image\(entries.count == 1 ? "" : "s"), \(entries.count - failed) written, \(failed) failed</p>

            """
        for entry in entries {
            page += section(entry)
        }
        page += "</body>\n</html>\n"
        return page
    }

    private static func section(_ entry: ReportEntry) -> String {
        var html = "<section\(entry.error == nil ? "" : " class=\"failed\"")>\n"
        html += "<h2><a href=\"\(href(entry.input))\">\(escape(entry.input))</a></h2>\n"
        if let error = entry.error {
            html += "<p class=\"error\">\(escape(error))</p>\n"
        }
        // A failed input may not be a readable picture at all: link it, don't embed it.
        if entry.error == nil || entry.montage != nil {
            html += "<div class=\"row\">\n"
            if entry.error == nil { html += figure(entry.input, caption: "input", kind: "input") }
            if let montage = entry.montage {
                html += figure(montage, caption: "montage", kind: "montage")
            }
            html += "</div>\n"
        }
        if !entry.maps.isEmpty {
            html +=
                "<details\(entry.montage == nil ? " open" : "")><summary>\(entry.maps.count) map\(entry.maps.count == 1 ? "" : "s")</summary>\n<ul class=\"maps\">\n"
            for map in entry.maps {
                html += "<li><a href=\"\(href(map))\">\(escape(map))</a></li>\n"
            }
            html += "</ul>\n</details>\n"
        }
        return html + "</section>\n"
    }

    // Images load eagerly: with `loading="lazy"` a headless full-page screenshot shows empty boxes.
    private static func figure(_ path: String, caption: String, kind: String) -> String {
        """
        <figure class="\(kind)"><a href="\(href(path))"><img src="\(href(path))" alt="\(escape(caption)): \(escape(path))"></a><figcaption>\(escape(caption))</figcaption></figure>

        """
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
