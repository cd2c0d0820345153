import Foundation
import Testing

@testable import FilterPipe

/// Timings, printed, not asserted: run with
/// `FILTERPIPE_CODEC_BENCHMARK=1 swift test -c release -Xswiftc -enable-testing --filter CodecBenchmark`.
@Suite(.serialized) struct CodecBenchmarkTests {
    static let enabled = SharedTestData.isAvailable && ProcessInfo.processInfo.environment["FILTERPIPE_CODEC_BENCHMARK"] != nil

    static func bestSeconds(_ repetitions: Int = 10, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<repetitions {
            let start = Date()
            try body()
            best = min(best, Date().timeIntervalSince(start))
        }
        return best
    }

    @Test(
        "benchmark: decode, tensor conversion and PNG encode of a real photo", .enabled(if: enabled),
        arguments: ["photos/retina.jpg", "photos/hubble_deep_field.jpg", "photos/coffee.png"])
    func benchmark(file: String) throws {
        let bytes = CodecTestSupport.readFile(SharedTestData.path(file))
        var image = try ImageCodec.decode(bytes)
        let decode = try Self.bestSeconds { image = try ImageCodec.decode(bytes) }
        let megabytes = Double(image.width * image.height * image.channels) / 1e6
        var tensor = Tensor(pixels: image, mode: .rgb)
        let toRGB = Self.bestSeconds { tensor = Tensor(pixels: image, mode: .rgb) }
        let toGray = Self.bestSeconds { tensor = Tensor(pixels: image, mode: .gray) }
        print(
            "BENCH \(file) \(image.width)×\(image.height)×\(image.channels): decode \(String(format: "%.1f", decode * 1e3)) ms, "
                + "tensor rgb \(String(format: "%.0f", megabytes / toRGB)) MB/s, gray \(String(format: "%.0f", megabytes / toGray)) MB/s (\(tensor.shape))"
        )
        let gray = PixelBuffer(
            width: image.width, height: image.height, channels: 1,
            samples: .uint8(Tensor(pixels: image, mode: .gray).values.map { UInt8(($0 * 255).rounded()) }))
        for (label, subject) in [("rgb", image), ("gray", gray)] {
            let raw = Double(subject.width * subject.height * subject.channels) / 1e6
            for level in [1, 2, 6] {
                var size = 0
                let seconds = try Self.bestSeconds {
                    size = try ImageCodec.encodePNG(subject, options: PNGWriteOptions(compressionLevel: level)).count
                }
                var libpngSize = 0
                let libpngSeconds = try Self.bestSeconds(3) {
                    libpngSize = try ImageCodec.encodePNGWithLibpng(
                        subject, options: PNGWriteOptions(compressionLevel: level), filter: 2, zlibStrategy: 3
                    ).count
                }
                print(
                    "BENCH   \(label) level \(level): libdeflate \(size) bytes \(String(format: "%.0f", raw / seconds)) MB/s; "
                        + "libpng Up+Z_RLE \(libpngSize) bytes \(String(format: "%.0f", raw / libpngSeconds)) MB/s")
            }
        }
    }
}
