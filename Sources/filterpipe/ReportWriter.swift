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

/// Writes `OUTPUT/index.html` and its folder `OUTPUT/index.files/` for `apply --report`.
enum ReportWriter {
    static func write(
        results: [ImageResult], pipeline: Pipeline, filter: String, options: BatchOptions, output: OutputTree
    ) throws(FilterPipeError) -> String {
        let builder = ReportBuilder(
            spec: pipeline.spec, options: options, output: output, layout: pipeline.mapLayout(options: options))
        let entries = try builder.entries(for: results)
        let filtersPicture = try builder.writeFiltersPicture()
        let sample = results.first { $0.width > 0 }
        let summaryText: String
        do throws(PipelineError) {
            var (width, height) = (sample?.width ?? 1920, sample?.height ?? 1080)
            if let resize = options.resize { (width, height) = resize.size(width: width, height: height) }
            if pipeline.plan.isNetwork {
                let image = Shape(channels: pipeline.spec.input.channels, height: height, width: width)
                summaryText =
                    "\(filter): input \(width)x\(height)\n"
                    + (try NetworkSummary(plan: pipeline.plan, image: image)).renderTable(input: pipeline.spec)
            } else {
                let summary = try PipelineSummary(spec: pipeline.spec, width: width, height: height)
                summaryText = "\(filter): input \(width)x\(height)\n" + summary.renderTable()
            }
        } catch {
            summaryText = "\(filter): \(error.message)"
        }
        let html = ReportPage.html(
            title: "filterpipe: \(URL(fileURLWithPath: filter).lastPathComponent)",
            pipelineSummary: summaryText, filtersPicture: filtersPicture, entries: entries)
        let path = output.path("index.html")
        do throws(OutputError) {
            try output.makeFolder("")
            try AtomicFile.write(Array(html.utf8), to: path)
        } catch {
            throw .output(error)
        }
        return path
    }
}
