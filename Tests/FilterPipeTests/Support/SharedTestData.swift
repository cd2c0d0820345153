import Foundation

/// The shared corpus of real test images at `../shared/testdata` (next to the package root),
/// described by its `MANIFEST.tsv`. Absent in a fresh clone: tests using it must be
/// `.enabled(if: SharedTestData.isAvailable)`.
enum SharedTestData {
    /// `…/shared/testdata`, located from this file (the package root is three levels up).
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/testdata")

    static var rootPath: String { root.path }

    static let isAvailable: Bool = FileManager.default.fileExists(atPath: root.appendingPathComponent("MANIFEST.tsv").path)

    /// The absolute path of a file given relative to `root`.
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// One row of MANIFEST.tsv.
    struct ManifestRow: Sendable, CustomStringConvertible {
        var path: String
        /// `png`, `jpeg`, `empty` or `unknown`, sniffed from the content.
        var format: String
        /// `valid` or `invalid`.
        var expect: String
        var width: Int?
        var height: Int?
        var channelsInFile: Int?
        var bitDepth: Int?
        var notes: String

        var isValid: Bool { expect == "valid" }
        /// The reference decoders disagreed: either a clean error or an image is acceptable.
        var isDisagreement: Bool { notes.contains("DISAGREE") }
        /// A conforming JPEG feature libjpeg-turbo 2.1's 8-bit API cannot decode.
        var isUnsupported: Bool { notes.contains("UNSUPPORTED") }
        var description: String { path }
    }

    /// All manifest rows (empty when the corpus is absent).
    static let manifest: [ManifestRow] = {
        guard let text = try? String(contentsOf: root.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8) else {
            return []
        }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 8 else { return nil }
            return ManifestRow(
                path: fields[0], format: fields[1], expect: fields[2], width: Int(fields[3]),
                height: Int(fields[4]), channelsInFile: Int(fields[5]), bitDepth: Int(fields[6]),
                notes: fields[7])
        }
    }()
}
