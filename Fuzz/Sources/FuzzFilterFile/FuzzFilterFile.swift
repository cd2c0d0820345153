import FilterPipe

// libFuzzer entry point: the input, read as UTF-8 (invalid bytes replaced), is parsed as a filter
// file. A parse must either give a spec or throw a `FilterFileError` whose location points into
// the text. A parsed spec must then be summarised (or refused with a `PipelineError`) for a few
// input sizes, and, when cheap enough, run on a small image three ways that must agree exactly:
// fused steps on one worker, fused steps on two workers, and stage by stage (`runAllStages`).
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
    for (width, height) in [(1, 1), (640, 480)] {
        _ = try? PipelineSummary(spec: spec, width: width, height: height)
    }
    runSmallImage(spec)
    return 0
}

/// Most multiply-adds one execution may spend running the pipeline (keeps executions fast).
private let multiplyAddBudget = 2_000_000

private func runSmallImage(_ spec: PipelineSpec) {
    let width = 9, height = 7
    guard let summary = try? PipelineSummary(spec: spec, width: width, height: height),
        summary.totalMultiplyAdds <= multiplyAddBudget,
        let pipeline = try? Pipeline(spec: spec)
    else { return }
    let inputShape = Shape(channels: spec.input.channels, height: height, width: width)
    guard let expectedShape = try? pipeline.outputShape(for: inputShape) else { return }
    if let last = summary.rows.last, last.outputShape != expectedShape {
        fatalError("summary says \(last.outputShape), pipeline says \(expectedShape)")
    }
    let input = Tensor(shape: inputShape, values: (0..<inputShape.count).map { Float(($0 * 37) % 256) / 255 })
    do {
        let fusedSerial = try pipeline.run(input, executor: Executor(workers: 1))
        let fusedParallel = try pipeline.run(input, executor: Executor(workers: 2))
        let stageByStage = try pipeline.runAllStages(input, executor: Executor(workers: 2)).last ?? input
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
