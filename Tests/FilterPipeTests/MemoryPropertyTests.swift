import Foundation
import Testing

@testable import FilterPipe

// Property: no generated filter file and no size makes the shape and byte arithmetic trap. Random
// stacks of conv / pool / activation with random pads, strides, dilations and filter counts (some
// huge) go through the parser, `Pipeline`, `check`'s table, the memory estimate on every route and
// the per-image footprint, for sizes from 1 to Int.max; each may refuse (a typed error), none may
// crash. Those whose estimate fits a small budget on a small image are run, and every stage's
// tensor must be the shape and byte count the estimate said.
// FILTERPIPE_PROPERTY_CASES=N (default 300) and FILTERPIPE_PROPERTY_SEED=S run other seed sets (a
// long run is recorded in docs/robustness.md); the committed test is the bounded default.

private func pick<T>(_ values: [T], _ generator: inout SeededGenerator) -> T {
    values[Int(generator.next() % UInt64(values.count))]
}

private func chance(_ percent: UInt64, _ generator: inout SeededGenerator) -> Bool {
    generator.next() % 100 < percent
}

/// A random filter file: mostly valid, sometimes huge, sometimes inconsistent (which the parser refuses).
func generatedFilterFile(_ generator: inout SeededGenerator) -> String {
    var lines = ["input " + pick(["rgb", "gray", "rgba"], &generator)]
    for _ in 0..<Int(1 + generator.next() % 5) {
        switch generator.next() % 6 {
        case 0, 1, 2:
            var conv = "conv"
            if chance(70, &generator) {
                conv += " pad=" + pick(["0", "1", "2", "same", "7", "1000", "100000", "1000000"], &generator)
            }
            if chance(30, &generator) { conv += " stride=" + pick(["1", "2", "3", "1000", "1000000"], &generator) }
            if chance(30, &generator) { conv += " dilation=" + pick(["1", "2", "3", "1000", "1000000"], &generator) }
            if chance(30, &generator) { conv += " pad_mode=" + pick(["zero", "replicate", "reflect", "circular"], &generator) }
            let depthwise = chance(20, &generator)
            if depthwise { conv += " depthwise" }
            lines.append(conv)
            let count = pick([1, 1, 2, 3, 4, 8, 64, 300], &generator)
            let rows = Int(1 + generator.next() % 4), columns = Int(1 + generator.next() % 4)
            let named = chance(50, &generator)
            for f in 0..<count {
                if named {
                    lines.append(
                        "  filter k\(f) = "
                            + pick(
                                ["sobel_x", "box size=3", "gaussian size=5 sigma=1", "identity size=1", "box size=7"], &generator)
                    )
                } else {
                    lines.append("  filter m\(f) bias=0.5")
                    for r in 0..<rows {
                        lines.append("    " + (0..<columns).map { String(($0 + r + f) % 5 - 2) }.joined(separator: " "))
                    }
                }
            }
        case 3:
            var pool = pick(["maxpool", "avgpool"], &generator)
            let size = pick([1, 2, 3, 4, 1000], &generator)
            pool += " size=\(size)"
            if chance(40, &generator) { pool += " stride=" + pick(["1", "2", "3", "1000000"], &generator) }
            if chance(30, &generator) { pool += " pad=\(Int(generator.next() % UInt64(size / 2 + 1)))" }
            if chance(30, &generator) { pool += " ceil_mode=true" }
            lines.append(pool)
        default:
            lines.append(pick(["relu", "abs", "sigmoid", "tanh", "leaky_relu slope=0.2"], &generator))
        }
    }
    if chance(60, &generator) {
        lines.append("output " + pick(["maps", "image", "montage", "image normalize=minmax"], &generator))
    }
    return lines.joined(separator: "\n") + "\n"
}

private let sides = [
    1, 2, 3, 7, 9, 64, 1000, 6000, 100_000, 9_999_999_999, 1 << 32, 1 << 40, (1 << 40) + 1, Int.max / 2, Int.max,
]

/// What the property run saw, for docs/robustness.md.
struct PropertyCounts: CustomStringConvertible {
    var files = 0, parsed = 0, pipelines = 0, sizes = 0, estimated = 0, refused = 0, overflows = 0, ran = 0
    var description: String {
        "files \(files), parsed \(parsed), pipelines \(pipelines), sizes \(sizes), estimated \(estimated), "
            + "refused \(refused) (overflow \(overflows)), ran \(ran)"
    }
}

/// Runs `cases` generated files from `seed`; records an issue for any broken expectation (a trap ends the process).
func runMemoryProperty(seed: UInt64, cases: Int) throws -> PropertyCounts {
    var counts = PropertyCounts()
    let budget = 16 << 20
    for index in 0..<cases {
        var generator = SeededGenerator(seed: seed &+ UInt64(index))
        let text = generatedFilterFile(&generator)
        counts.files += 1
        guard let spec = try? FilterFileParser.parse(text, fileName: "generated.filter") else { continue }
        counts.parsed += 1
        guard let pipeline = try? Pipeline(spec: spec) else { continue }
        counts.pipelines += 1
        var sizes = (0..<3).map { _ in (pick(sides, &generator), pick(sides, &generator)) }
        sizes.append((9, 7))
        for (width, height) in sizes {
            counts.sizes += 1
            let summary = try? PipelineSummary(spec: spec, width: width, height: height)
            let estimate: MemoryEstimate
            do throws(PipelineError) {
                estimate = try pipeline.memoryEstimate(width: width, height: height)
            } catch {
                counts.refused += 1
                if error.message.contains("64") { counts.overflows += 1 }
                continue
            }
            counts.estimated += 1
            if let summary { #expect(summary.outputShape == estimate.outputShape, "\(text) at \(width)x\(height)") }
            let steps = pipeline.steps.map(\.specIndices)
            let peaks = [
                MemoryEstimate.Route.wholeTensors(keepingEveryStage: false), .wholeTensors(keepingEveryStage: true), .bands,
            ]
            .map { try? estimate.peak(route: $0, steps: steps, workers: 2) }
            for route in [Route.wholeTensors(keepingEveryStage: false), .streamingBands] {
                var options = BatchOptions()
                options.output = spec.output
                let probe = ImageCodec.Probe(
                    format: .png, width: width, height: height, channels: 3, bitDepth: 8, progressive: false,
                    coefficientsPerPixel: 0, fileSize: 1000)
                _ = try? ImageFootprint.estimate(of: probe, pipeline: pipeline, options: options, route: route)
            }
            guard width <= 9, height <= 9, let whole = peaks[0], let kept = peaks[1], whole.bytes <= budget, kept.bytes <= budget,
                let summary, summary.totalMultiplyAdds <= 20_000_000
            else { continue }
            // Small enough to run: every stage's tensor is what the estimate said.
            let shape = estimate.inputShape
            let input = Tensor(shape: shape, values: (0..<shape.count).map { Float(($0 * 37) % 256) / 255 })
            let outputs = try pipeline.runAllStages(input, executor: Executor(workers: 2))
            #expect(outputs.count == estimate.layers.count)
            for (output, layer) in zip(outputs, estimate.layers) {
                #expect(output.shape == layer.outputShape && 4 * output.values.count == layer.outputBytes, "\(text)")
            }
            let final = try pipeline.run(input, executor: Executor(workers: 2))
            #expect(final.shape == estimate.outputShape, "\(text)")
            counts.ran += 1
        }
    }
    return counts
}

@Test func generatedFilterFilesAndSizesNeverTrapAndTheSmallOnesRunAsEstimated() throws {
    let environment = ProcessInfo.processInfo.environment
    let cases = environment["FILTERPIPE_PROPERTY_CASES"].flatMap { Int($0) } ?? 300
    let seed = environment["FILTERPIPE_PROPERTY_SEED"].flatMap { UInt64($0) } ?? 10
    let start = Date()
    let counts = try runMemoryProperty(seed: seed, cases: cases)
    // The bounded seed set must reach every branch: parsed files, refusals by overflow, and runs.
    #expect(counts.parsed > 0 && counts.overflows > 0 && counts.ran > 0, "\(counts)")
    if environment["FILTERPIPE_PROPERTY_CASES"] != nil {
        print("memory property, seed \(seed): \(counts); \(Int(Date().timeIntervalSince(start))) s")
    }
}
