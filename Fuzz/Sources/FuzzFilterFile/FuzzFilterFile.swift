import FilterPipe

// libFuzzer entry point: the input, read as UTF-8 (invalid bytes replaced), is parsed as a filter
// file. A parse must either give a spec or throw a `FilterFileError` whose location points into
// the text; a parsed spec's summary for a few input sizes must either be computed or be refused
// with a `PipelineError`. Anything else (a trap, an overflow, a sanitizer report) is a finding.
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
    for (width, height) in [(1, 1), (7, 5), (640, 480)] {
        _ = try? PipelineSummary(spec: spec, width: width, height: height)
    }
    return 0
}
