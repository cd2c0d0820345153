import FilterPipe
import Foundation

/// The end-of-run texts: the JSON summary and the `--profile` breakdown.
enum SummaryFormatter {
    static func json(_ s: BatchSummary) -> String {
        let object: [String: Any] = [
            "images": s.total, "written": s.written, "failed": s.failed, "skipped": s.skipped,
            "not_started": s.notStarted, "maps_written": s.mapsWritten, "seconds": round3(s.seconds),
            "megapixels": round3(s.megapixels), "megapixels_per_second": round3(s.megapixelsPerSecond),
            "cancelled": s.cancelled,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Worker-seconds per phase and their share of `workers × wall`.
    static func profile(_ s: BatchSummary) -> String {
        let budget = max(Double(s.workers) * s.seconds, 1e-9)
        let rows: [(String, Double)] = [
            ("decode", s.timings.decode), ("compute", s.timings.compute),
            ("normalise", s.timings.normalize), ("encode", s.timings.encode), ("idle", s.idle),
        ]
        var text = String(
            format: "profile: %.2f s wall × %d workers = %.2f worker-s; %.1f MP", s.seconds, s.workers, budget, s.megapixels)
        for (name, seconds) in rows {
            text += "\n" + String(format: "  %-10@ %8.3f s  %5.1f %%", name as NSString, seconds, 100 * seconds / budget)
            if name != "idle" && s.megapixels > 0 && seconds > 0 {
                text += String(format: "  %7.1f MP/s per worker", s.megapixels / seconds)
            }
        }
        return text
    }

    private static func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
