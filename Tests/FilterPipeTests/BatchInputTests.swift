import Foundation
import Testing

@testable import FilterPipe

private let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
private let jpegMagic: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0]

@Test func discoveryWalksFoldersRecursivelySortedAndSkipsHiddenAndNonImages() throws {
    let folder = TemporaryFolder()
    folder.write("in/b.PNG")
    folder.write("in/a/z.jpeg")
    folder.write("in/a/y.JpG")
    folder.write("in/.hidden.png")
    folder.write("in/.cache/x.png")
    folder.write("in/notes.txt", Array("hello".utf8))
    folder.write("in/raw", pngMagic)  // no extension, PNG magic: an input
    folder.write("in/photo.dat", jpegMagic)  // wrong extension, JPEG magic: an input
    let found = try InputDiscovery.find([folder.path + "/in"])
    #expect(found.map(\.relativePath) == ["a/y.JpG", "a/z.jpeg", "b.PNG", "photo.dat", "raw"])
    #expect(found.map(\.outputStem) == ["a/y", "a/z", "b", "photo", "raw"])
}

@Test func aFileGivenDirectlyIsNamedByItsOwnName() throws {
    let folder = TemporaryFolder()
    let file = folder.write("deep/down/cat.jpg")
    let found = try InputDiscovery.find([file])
    #expect(found == [BatchInput(path: file, relativePath: "cat.jpg", outputStem: "cat")])
}

@Test func discoveryDoesNotFollowSymlinkedFolders() throws {
    let folder = TemporaryFolder()
    folder.write("outside/secret.png")
    folder.write("in/real.png")
    try FileManager.default.createSymbolicLink(atPath: folder.path + "/in/link", withDestinationPath: folder.path + "/outside")
    let found = try InputDiscovery.find([folder.path + "/in"])
    #expect(found.map(\.relativePath) == ["real.png"])
}

@Test func missingInputIsASetupErrorNamingIt() {
    #expect(throws: BatchSetupError.self) { try InputDiscovery.find(["/nonexistent/filterpipe-input"]) }
}

@Test(arguments: [
    (["a.jpg", "a.png"], ["a.jpg", "a.png"]),
    (["x/a.png", "y/a.png"], ["x/a", "y/a"]),
    (["a.png", "b.png"], ["a", "b"]),
])
func inputsThatWouldShareOutputsKeepTheirExtensionInstead(names: [String], stems: [String]) {
    let inputs = names.map { BatchInput(path: "/in/" + $0, relativePath: $0, outputStem: InputDiscovery.stem(of: $0)) }
    #expect(OutputNaming.assign(inputs).map(\.outputStem) == stems)
}

@Test func twoInputFoldersHoldingTheSameNameGetDistinctOutputs() throws {
    let folder = TemporaryFolder()
    folder.write("one/cat.png")
    folder.write("two/cat.png")
    let found = OutputNaming.assign(try InputDiscovery.find([folder.path + "/one", folder.path + "/two"]))
    #expect(found.map(\.path) == [folder.path + "/one/cat.png", folder.path + "/two/cat.png"])
    #expect(found.map(\.outputStem) == ["cat.png", "cat.png~2"])
}

@Test func outputInsideOrEqualToAnInputIsRefused() throws {
    let folder = TemporaryFolder()
    folder.write("in/a.png")
    #expect(throws: BatchSetupError.self) { try OutputTree(root: folder.path + "/in").checkSeparate(from: [folder.path + "/in"]) }
    #expect(throws: BatchSetupError.self) {
        try OutputTree(root: folder.path + "/in/out").checkSeparate(from: [folder.path + "/in/"])
    }
    try OutputTree(root: folder.path + "/out").checkSeparate(from: [folder.path + "/in"])
    try OutputTree(root: folder.path + "/input-maps").checkSeparate(from: [folder.path + "/in"])
}

@Test func outputTreeRefusesToWriteThroughASymlink() throws {
    let folder = TemporaryFolder()
    folder.write("elsewhere/keep")
    let tree = OutputTree(root: folder.path + "/out")
    try tree.makeFolder("")
    try FileManager.default.createSymbolicLink(atPath: folder.path + "/out/cat", withDestinationPath: folder.path + "/elsewhere")
    #expect(throws: OutputError.self) { try tree.makeFolder("cat/maps") }
    #expect(throws: OutputError.self) { try tree.makeFolder("../escape") }
    try tree.makeFolder("dog/maps")
    #expect(FileManager.default.fileExists(atPath: folder.path + "/out/dog/maps"))
}

@Test func atomicWriteReplacesTheFileAndLeavesNoTemporaryFile() throws {
    let folder = TemporaryFolder()
    let path = folder.path + "/result.bin"
    try AtomicFile.write([1, 2, 3], to: path)
    try AtomicFile.write([4, 5], to: path)
    #expect(FileManager.default.contents(atPath: path) == Data([4, 5]))
    #expect(folder.files() == ["result.bin"])
    #expect(throws: OutputError.self) { try AtomicFile.write([1], to: folder.path + "/missing/x.bin") }
}

@Test func shardsPartitionTheSortedInputsWithoutOverlap() throws {
    let inputs = (0..<10).map { BatchInput(path: "/in/\($0).png", relativePath: "\($0).png", outputStem: "\($0)") }
    let spec = PipelineSpec()
    var seen: [String] = []
    for index in 0..<3 {
        var options = BatchOptions()
        options.shard = (index, 3)
        let runner = BatchRunner(pipeline: try Pipeline(spec: spec), output: OutputTree(root: "/tmp/x"), options: options)
        seen += runner.selectShard(inputs).map(\.relativePath)
    }
    #expect(seen.sorted() == inputs.map(\.relativePath).sorted())
}

/// The id of a process that has exited (a `/bin/true` run to its end).
private func deadProcessID() throws -> Int32 {
    let finished = Process()
    finished.executableURL = URL(fileURLWithPath: "/bin/true")
    try finished.run()
    finished.waitUntilExit()
    return finished.processIdentifier
}

@Test func staleTemporariesOfDeadProcessesAreRemovedAndLiveOnesKept() throws {
    let folder = TemporaryFolder()
    let dead = try deadProcessID()
    folder.write("a/.x.png.tmp-\(dead)-12345", [1, 2])
    folder.write("a/b/.y.png.tmp-\(dead)-7", [1])
    folder.write("a/.z.png.tmp-\(getppid())-99", [3])  // a live process: another shard
    folder.write("a/.hidden-but-mine.png", [4])
    folder.write("a/done.png", [5])
    AtomicFile.removeStaleTemporaries(in: folder.path, recursive: true)
    #expect(
        folder.files().filter { !$0.hasSuffix("/b") && $0 != "a" && $0 != "a/b" } == [
            "a/.hidden-but-mine.png", "a/.z.png.tmp-\(getppid())-99", "a/done.png",
        ])
}

@Test func staleTemporaryNamesAreReadFromTheirLastTmpMarker() throws {
    let folder = TemporaryFolder()
    let dead = try deadProcessID()
    folder.write(".a.tmp-1-2.png.tmp-\(dead)-5", [1])  // an input name that itself holds ".tmp-"
    folder.write(".b.tmp-\(dead)-5.png", [2])  // no pid-random after the last marker: not a temporary
    AtomicFile.removeStaleTemporaries(in: folder.path)
    #expect(folder.files() == [".b.tmp-\(dead)-5.png"])
}
