import Foundation
import Testing

@testable import FilterPipe

@Test(arguments: [
    ("plain/path.png", "plain/path.png"),
    ("a\nb", "a\\nb"),
    ("a\r\nb", "a\\r\\nb"),
    ("tab\there", "tab\\there"),
    ("nul\u{0}x", "nul\\0x"),
    ("\u{1B}[31mred", "\\x1b[31mred"),
    ("bell\u{07}", "bell\\x07"),
    ("del\u{7F}", "del\\x7f"),
    ("csi\u{9B}2J", "csi\\u{9b}2J"),
    ("line\u{2028}sep", "line\\u{2028}sep"),
    ("back\\slash", "back\\\\slash"),
    ("café ✓", "café ✓"),
])
func messageTextEscapesEveryControlCharacterAndBackslash(raw: String, escaped: String) {
    #expect(escapedForMessage(raw) == escaped)
}

@Test func anEscapedMessageIsAlwaysOneLineOfPrintableText() {
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<500 {
        let scalars = (0..<40).map { _ in Unicode.Scalar(UInt8.random(in: 0...0xFF, using: &rng)) }
        let text = escapedForMessage(String(String.UnicodeScalarView(scalars)))
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
    }
}

@Test func errorDescriptionsEscapeTheirPaths() {
    #expect(ImageIOError(.io, path: "a\nb.png", message: "cannot open").description == "a\\nb.png: cannot open")
    let location = SourceLocation(line: 2, column: 3)
    #expect(FilterFileError(file: "f\u{1B}.filter", location: location, message: "bad").description == "f\\x1b.filter:2:3: bad")
    #expect(BatchSetupError("x\ny").description == "x\\ny")
}

private func inputs(_ relativePaths: [String], root: String = "/in") -> [BatchInput] {
    relativePaths.map { BatchInput(path: root + "/" + $0, relativePath: $0, outputStem: PathText.deletingExtension($0)) }
}

@Test func inputsSharingAStemKeepTheirExtensionAndTheOthersKeepTheirStem() {
    let named = OutputNaming.assign(inputs(["a/photo.jpg", "a/photo.png", "b.png", "c/photo.jpg"]))
    #expect(named.map(\.outputStem) == ["a/photo.jpg", "a/photo.png", "b", "c/photo"])
    #expect(named.map(\.keptExtension) == [true, true, false, false])
}

@Test func aKeptExtensionThatIsAnotherInputsStemGetsANumber() {
    // photo.jpg.png's stem is photo.jpg, which the pair photo.jpg / photo.png would also take.
    let named = OutputNaming.assign(inputs(["photo.jpg", "photo.jpg.png", "photo.png"]))
    #expect(named.map(\.outputStem) == ["photo.jpg~2", "photo.jpg", "photo.png"])
    // The same relative path under two input folders.
    let twoRoots = OutputNaming.assign(
        inputs(["cat.png"], root: "/one") + inputs(["cat.png"], root: "/two"))
    #expect(twoRoots.map(\.outputStem) == ["cat.png", "cat.png~2"])
}

@Test func namesAreDecidedFromTheWholeListSoEveryShardAgrees() throws {
    let folder = TemporaryFolder()
    for name in ["a.png", "a.jpg", "b.png", "c.jpeg", "c.png", "d.png"] { folder.write("in/" + name, [0]) }
    let found = try InputDiscovery.find([folder.path + "/in"])
    let named = OutputNaming.assign(found)
    // Outputs of each image under `--shard i/3`: the same name whichever shard holds it.
    var byShard: [String: String] = [:]
    for index in 0..<3 {
        for (offset, input) in named.enumerated() where offset % 3 == index { byShard[input.path] = input.outputStem }
    }
    #expect(byShard == Dictionary(uniqueKeysWithValues: named.map { ($0.path, $0.outputStem) }))
    #expect(Set(named.map(\.outputStem)).count == named.count)
}

@Test func discoveryNamesEveryNonRegularFileItSkipsAndNeverOpensThem() throws {
    let folder = TemporaryFolder()
    folder.write("in/ok.png", [0x89])
    #expect(mkfifo(folder.path + "/in/pipe.png", 0o644) == 0)
    try FileManager.default.createSymbolicLink(atPath: folder.path + "/in/gone.png", withDestinationPath: "nowhere")
    try FileManager.default.createSymbolicLink(atPath: folder.path + "/in/null.png", withDestinationPath: "/dev/null")
    try FileManager.default.createSymbolicLink(atPath: folder.path + "/in/elsewhere", withDestinationPath: folder.path)
    let result = try InputDiscovery.discover([folder.path + "/in"])
    #expect(result.inputs.map(\.relativePath) == ["ok.png"])
    #expect(
        result.skipped == [
            SkippedPath(path: folder.path + "/in/elsewhere", reason: "a symbolic link to a folder, not followed"),
            SkippedPath(path: folder.path + "/in/gone.png", reason: "dangling symbolic link"),
            SkippedPath(path: folder.path + "/in/null.png", reason: "links to a character device, not a regular file"),
            SkippedPath(path: folder.path + "/in/pipe.png", reason: "a FIFO, not a regular file"),
        ])
    #expect(throws: BatchSetupError.self) { try InputDiscovery.discover([folder.path + "/in/pipe.png"]) }
}

@Test func readingAFIFONeverBlocksAndAFileOverTheLimitIsNotRead() throws {
    let folder = TemporaryFolder()
    let fifo = folder.path + "/pipe.png"
    #expect(mkfifo(fifo, 0o644) == 0)
    // No writer ever opens the FIFO: a blocking open would hang here forever.
    #expect(throws: ImageIOError.self) { try ImageCodec.decode(fileAt: fifo) }
    #expect(mkfifo(folder.path + "/pipe", 0o644) == 0)
    #expect(!ImageCodec.isImageCandidate(path: folder.path + "/pipe"))  // no extension: sniffed, never opened
    #expect(ImageCodec.probe(fileAt: fifo) == nil)
    let big = folder.write("big.png", Array(repeating: 0, count: 2000))
    do {
        _ = try ImageCodec.decode(fileAt: big, limits: DecodeLimits(maxFileBytes: 1999))
        Issue.record("expected the limit to refuse it")
    } catch {
        #expect(error.code == .tooLarge && error.message.contains("2000 bytes is larger than the limit of 1999"))
    }
}

@Test func temporaryNamesAreShortWhateverTheFinalName() throws {
    let folder = TemporaryFolder()
    let name = String(repeating: "n", count: 255)
    try AtomicFile.write([1, 2, 3], to: folder.path + "/" + name)
    #expect(folder.files() == [name])
    #expect(AtomicFile.temporaryName().utf8.count <= 29)
    #expect(AtomicFile.temporaryOwner(".fp-123-456.tmp") == 123)
    #expect(AtomicFile.temporaryOwner(".x.png.tmp-77-5") == 77)
    #expect(AtomicFile.temporaryOwner(".fp-1.tmp") == nil)
    #expect(AtomicFile.temporaryOwner("fp-1-2.tmp") == nil)
}

@Test func aManifestIsAppendedOnlyToAFileThatIsOurs() throws {
    let folder = TemporaryFolder()
    let input = folder.write("in/a.png", [0x89])
    let notes = folder.write("notes.txt", Array("text\n".utf8))
    let manifest = folder.path + "/m.jsonl"
    #expect(throws: BatchSetupError.self) { try ManifestWriter(path: input, protecting: [input]) }
    #expect(throws: BatchSetupError.self) { try ManifestWriter(path: notes) }
    #expect(throws: BatchSetupError.self) { try ManifestWriter(path: folder.path + "/in") }
    do {
        let writer = try ManifestWriter(path: manifest)
        writer.append(ImageResult(input: BatchInput(path: input, relativePath: "a.png", outputStem: "a"), status: .failed))
        #expect(writer.writeFailure == nil)
    }
    _ = try ManifestWriter(path: manifest)  // its own records: accepted
    // A record another shard is half-way through writing (no newline yet) is not held against it.
    let handle = try #require(FileHandle(forWritingAtPath: manifest))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data("{\"input\":\"/in/b.png\",\"outp".utf8))
    try handle.close()
    _ = try ManifestWriter(path: manifest)
    _ = try ManifestWriter(path: "/dev/null")
    // A pipe nobody reads: refused at once (a blocking open would hang here).
    #expect(mkfifo(folder.path + "/pipe", 0o644) == 0)
    #expect(throws: BatchSetupError.self) { try ManifestWriter(path: folder.path + "/pipe") }
    let full = try ManifestWriter(path: "/dev/full")
    full.append(ImageResult(input: BatchInput(path: input, relativePath: "a.png", outputStem: "a"), status: .written))
    #expect(full.writeFailure == "/dev/full: manifest: cannot write a record: No space left on device")
}

@Test func showMayReplaceOnlyANewFileOrAPNGFilterpipeWrote() throws {
    let folder = TemporaryFolder()
    let filter = folder.write("f.filter", Array("input gray\n".utf8))
    try OwnedFile.checkReplaceablePNG(folder.path + "/new.png", protecting: [filter])
    #expect(throws: OutputError.self) { try OwnedFile.checkReplaceablePNG(filter, protecting: [filter]) }
    let pixels = PixelBuffer(width: 1, height: 1, channels: 1, samples: .uint8([7]))
    let plain = folder.path + "/plain.png"
    try ImageCodec.writePNG(pixels, to: plain)
    #expect(throws: OutputError.self) { try OwnedFile.checkReplaceablePNG(plain, protecting: []) }
    let ours = folder.path + "/ours.png"
    try ImageCodec.writePNG(pixels, to: ours, options: PNGWriteOptions(text: [OwnedFile.marker]))
    try OwnedFile.checkReplaceablePNG(ours, protecting: [])
}
