import FilterPipe
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Collects each image's result for the report (results arrive from several workers).
final class ResultLog: Sendable {
    private let results = Mutex<[ImageResult]>([])

    func append(_ result: ImageResult) { results.withLock { $0.append(result) } }

    /// In input order, whatever order the workers finished in.
    var all: [ImageResult] {
        results.withLock { $0 }.sorted { $0.input.relativePath.utf8.lexicographicallyPrecedes($1.input.relativePath.utf8) }
    }
}

/// Writes `OUTPUT/index.html` for `apply --report`.
enum ReportWriter {
    static func write(results: [ImageResult], pipeline: Pipeline, filter: String, output: OutputTree) throws(ImageIOError)
        -> String
    {
        let outputRoot = URL(fileURLWithPath: output.root).standardizedFileURL.path
        let entries = results.map { result -> ReportEntry in
            let montages = result.montages.map { relativePath(from: outputRoot, to: $0) }
            let maps = result.outputs.filter { !result.montages.contains($0) }.map { relativePath(from: outputRoot, to: $0) }
            // The thumbnail: the montage, else a composed image (`output image`, the single file).
            return ReportEntry(
                input: relativePath(from: outputRoot, to: result.input.path),
                montage: montages.first ?? maps.first { $0 == result.input.outputStem + ".png" },
                maps: maps, error: result.error)
        }
        let sample = results.first { $0.width > 0 }
        let summaryText: String
        do throws(PipelineError) {
            let summary = try PipelineSummary(spec: pipeline.spec, width: sample?.width ?? 1920, height: sample?.height ?? 1080)
            summaryText = "\(filter): input \(summary.inputShape.width)x\(summary.inputShape.height)\n" + summary.renderTable()
        } catch {
            summaryText = "\(filter): \(error.message)"
        }
        let html = ReportPage.html(
            title: "filterpipe: \(URL(fileURLWithPath: filter).lastPathComponent)",
            pipelineSummary: summaryText, entries: entries)
        try output.makeFolder("")
        let path = output.path("index.html")
        try AtomicFile.write(Array(html.utf8), to: path)
        return path
    }

    /// `target` relative to the folder `base` (both made absolute), with `..` where needed.
    static func relativePath(from base: String, to target: String) -> String {
        let targetPath = URL(fileURLWithPath: target).standardizedFileURL.path
        let from = base.split(separator: "/")
        let to = targetPath.split(separator: "/")
        var common = 0
        while common < from.count, common < to.count, from[common] == to[common] { common += 1 }
        let ups = Array(repeating: "..", count: from.count - common)
        return (ups + to[common...].map(String.init)).joined(separator: "/")
    }
}
