import FilterPipe

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The end-of-run texts: the JSON summary and the `--profile` breakdown.
enum SummaryFormatter {
    static func json(_ s: BatchSummary) -> String {
        let summary = JSONSummary(
            images: s.total, written: s.written, failed: s.failed, skipped: s.skipped, not_started: s.notStarted,
            maps_written: s.mapsWritten, montages_written: s.montagesWritten, seconds: round3(s.seconds),
            megapixels: round3(s.megapixels),
            megapixels_per_second: round3(s.megapixelsPerSecond), cancelled: s.cancelled)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(summary)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The `--json` fields, named as printed.
    private struct JSONSummary: Encodable {
        var images, written, failed, skipped, not_started, maps_written, montages_written: Int
        var seconds, megapixels, megapixels_per_second: Double
        var cancelled: Bool
    }

    /// Worker-seconds per phase and their share of `workers × wall`.
    static func profile(_ s: BatchSummary) -> String {
        let budget = max(Double(s.workers) * s.seconds, 1e-9)
        let rows: [(String, Double)] = [
            ("decode", s.timings.decode), ("compute", s.timings.compute),
            ("normalise", s.timings.normalize), ("encode", s.timings.encode), ("idle", s.idle),
        ]
        var text =
            "profile: \(formatted(s.seconds, decimals: 2)) s wall × \(s.workers) workers = "
            + "\(formatted(budget, decimals: 2)) worker-s; \(formatted(s.megapixels, decimals: 1)) MP; "
            + "conv kernels \(KernelSet.active.rawValue)"
        for (name, seconds) in rows {
            let label = name + String(repeating: " ", count: max(1, 10 - name.count))
            text +=
                "\n  \(label)\(formatted(seconds, decimals: 3, width: 8)) s  "
                + "\(formatted(100 * seconds / budget, decimals: 1, width: 5)) %"
            if name != "idle" && s.megapixels > 0 && seconds > 0 {
                text += "  \(formatted(s.megapixels / seconds, decimals: 1, width: 7)) MP/s per worker"
            }
        }
        return text
    }

    private static func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
