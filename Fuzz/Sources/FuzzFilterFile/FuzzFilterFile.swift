import FilterPipe

// libFuzzer entry point: the input, read as UTF-8 (invalid bytes replaced), is parsed as a filter
// file. A parse must either give a spec or throw a `FilterFileError` whose location points into
// the text. A parsed spec must then be summarised (or refused with a `PipelineError`) for a few
// input sizes; `check`'s table and the pipeline must accept or refuse a small image alike; and,
// when cheap enough, the pipeline runs on it three ways that must agree exactly: fused steps on one
// worker, fused steps on two workers, and stage by stage (`runAllStages`), each stage's tensor as
// large as the memory estimate said and shaped as the table said. Sizes up to Int.max go through
// the table and the estimate, which must refuse (not trap on) what overflows 64 bits.
// Anything else (a trap, an overflow, a sanitizer report, a disagreement) is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFilterFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let spec: PipelineSpec
    do {
        spec = try FilterFileParser.parse(text, fileName: "fuzz.filter")
    } catch {
        // Lines are counted by the lexer's own rule (every newline character ends one).
        let lineCount = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count
        if error.location.line < 0 || error.location.line > lineCount + 1 || error.location.column < 0 {
            fatalError("error location \(error.location.line):\(error.location.column) outside a \(lineCount)-line text")
        }
        return 0
    }
    // Sizes up to Int.max: the table and the memory estimate refuse what does not fit in 64 bits,
    // they never trap.
    let pipeline = try? Pipeline(spec: spec)
    for (width, height) in [(1, 1), (640, 480), (6000, 4000), (9_999_999_999, 9_999_999_999), (Int.max, 1)] {
        _ = try? PipelineSummary(spec: spec, width: width, height: height)
        guard let pipeline else { continue }
        for route in [
            MemoryEstimate.Route.wholeTensors(keepingEveryStage: false), .wholeTensors(keepingEveryStage: true), .bands,
        ] {
            _ = try? pipeline.peakMemory(width: width, height: height, route: route, workers: 64)
        }
    }
    runSmallImage(spec)
    return 0
}

/// Most multiply-adds one execution may spend running the pipeline (keeps executions fast).
private let multiplyAddBudget = 2_000_000

private func runSmallImage(_ spec: PipelineSpec) {
    let width = 9, height = 7
    let inputShape = Shape(channels: spec.input.channels, height: height, width: width)
    // `check` never lies: its table (the summary) accepts this size exactly when the pipeline
    // `apply` builds accepts it.
    let summary = try? PipelineSummary(spec: spec, width: width, height: height)
    let pipeline = try? Pipeline(spec: spec)
    let accepted = pipeline.flatMap { try? $0.outputShape(for: inputShape) }
    if (summary == nil) != (accepted == nil) {
        fatalError(
            "check \(summary == nil ? "refuses" : "accepts") a \(width)×\(height) input the pipeline \(accepted == nil ? "refuses" : "accepts")"
        )
    }
    guard let summary, summary.totalMultiplyAdds <= multiplyAddBudget, let pipeline,
        let estimate = try? pipeline.memoryEstimate(width: width, height: height),
        (try? estimate.peak(route: .wholeTensors(keepingEveryStage: true), steps: [], workers: 2))?.bytes ?? .max <= 64 << 20
    else { return }
    // The shapes the table and the estimate promise are checked against the tensors the run makes
    // (below), not against each other: both follow the same plan.
    let expectedShape = summary.outputShape
    let input = Tensor(shape: inputShape, values: (0..<inputShape.count).map { Float(($0 * 37) % 256) / 255 })
    do {
        let fusedSerial = try pipeline.run(input, executor: Executor(workers: 1))
        let fusedParallel = try pipeline.run(input, executor: Executor(workers: 2))
        let stages = try pipeline.runAllStages(input, executor: Executor(workers: 2))
        for (tensor, layer) in zip(stages, estimate.layers) where 4 * tensor.values.count != layer.outputBytes {
            fatalError("\(layer.name): \(4 * tensor.values.count) bytes, estimated \(layer.outputBytes)")
        }
        for (tensor, row) in zip(stages, summary.rows) where tensor.shape != row.outputShape {
            fatalError("stage \(row.index): the run made \(tensor.shape), check's table says \(row.outputShape)")
        }
        let stageByStage = stages.last ?? input
        if fusedSerial.shape != expectedShape { fatalError("run gave \(fusedSerial.shape), expected \(expectedShape)") }
        if !identical(fusedSerial, fusedParallel) { fatalError("1 and 2 workers disagree") }
        if !identical(fusedSerial, stageByStage) { fatalError("fused steps and stage-by-stage disagree") }
    } catch {
        fatalError("outputShape accepted \(inputShape) but running threw: \(error)")
    }
}

/// Same shape and bit-for-bit the same values (any NaN matches any NaN).
private func identical(_ a: Tensor, _ b: Tensor) -> Bool {
    guard a.shape == b.shape else { return false }
    return zip(a.values, b.values).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
}
