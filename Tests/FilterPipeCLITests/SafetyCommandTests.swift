import FilterPipe
import Foundation
import Testing

// Issue 10: no path, file or message makes filterpipe overwrite a photo, hang, or hide a failure.
// Each test asserts the exit status, the one-line message, and that inputs and earlier outputs
// are byte-identical afterwards.

private let blur = """
    input rgb
    conv pad=1 pad_mode=replicate depthwise
      filter soft = gaussian size=3 sigma=1
    output image normalize=clamp
    """

private let edges = """
    input gray
    conv pad=1
      filter sobel_x = sobel_x
      filter sobel_y = sobel_y
    output maps
    """

/// Every regular file below the scratch folder with its bytes (what must not change).
private func snapshot(_ scratch: Scratch) -> [String: Data] {
    var files: [String: Data] = [:]
    for relative in (FileManager.default.enumerator(atPath: scratch.path)?.allObjects as? [String]) ?? [] {
        var info = stat()
        let path = scratch.file(relative)
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { files[relative] = scratch.bytes(relative) }
    }
    return files
}

private func lines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
}

@Test(arguments: [".", "./.", "up/photos", "../photos", "sub/..", "link-to-here"])
func anOutputFolderSpeltAnyWayThatWouldOverwriteThePhotoIsRefusedBeforeWriting(output: String) throws {
    let scratch = Scratch()
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "photos/chelsea.png")
    try FileManager.default.createDirectory(atPath: scratch.file("photos/sub"), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: scratch.file("photos/up"), withDestinationPath: "..")
    try FileManager.default.createSymbolicLink(atPath: scratch.file("photos/link-to-here"), withDestinationPath: ".")
    let filter = scratch.write("blur.filter", blur)
    let before = snapshot(scratch)
    let result = try CLI.run(["apply", filter, "chelsea.png", output], in: scratch.file("photos"))
    #expect(result.status == 2, "\(result.stderr)")
    #expect(
        lines(result.stderr) == [
            "filterpipe: \(output)/chelsea.png would overwrite input chelsea.png; choose another output folder"
        ])
    #expect(snapshot(scratch) == before)
}

@Test func anOutputParentOfTheInputFolderNeverOverwritesAnInputNamedLikeAnOutput() throws {
    let scratch = Scratch()
    // `in/in.png` maps to OUTPUT/in/00-sobel_x.png: with OUTPUT the parent, that is `in/00-sobel_x.png`.
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/in.png")
    scratch.copy(CLI.samples + "/images/rocket.jpg", to: "in/00-sobel_x.png")
    let filter = scratch.write("edges.filter", edges)
    let before = snapshot(scratch)
    let result = try CLI.run(["apply", filter, "in", "."], in: scratch.path)
    #expect(result.status == 2, "\(result.stderr)")
    #expect(
        lines(result.stderr) == [
            "filterpipe: ./in/00-sobel_x.png would overwrite input in/00-sobel_x.png; choose another output folder"
        ])
    #expect(snapshot(scratch) == before)

    // Without the look-alike, the outputs would land inside the input folder, where the next run
    // reads them as inputs: refused too.
    try FileManager.default.removeItem(atPath: scratch.file("in/00-sobel_x.png"))
    let again = try CLI.run(["apply", filter, "in", "."], in: scratch.path)
    #expect(again.status == 2, "\(again.stderr)")
    #expect(lines(again.stderr).count == 1 && again.stderr.contains("inside input folder in"), "\(again.stderr)")
    #expect(scratch.files(under: "in") == ["in.png"])
}

@Test func aManifestIsNeverAppendedToAnInputTheFilterOrAFileThatIsNotAManifest() throws {
    let scratch = Scratch()
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/chelsea.png")
    let filter = scratch.write("edges.filter", edges)
    _ = scratch.write("notes.txt", "my notes\n")
    let before = snapshot(scratch)
    for (target, expected) in [
        (scratch.file("in/chelsea.png"), "is \(scratch.file("in/chelsea.png")), which this run reads"),
        (filter, "is \(filter), which this run reads"),
        (scratch.file("notes.txt"), "line 1 is not a filterpipe manifest record"),
    ] {
        let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out"), "--manifest", target, "-q"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(lines(result.stderr).count == 1 && result.stderr.contains(expected), "\(result.stderr)")
    }
    #expect(snapshot(scratch) == before)
    #expect(!FileManager.default.fileExists(atPath: scratch.file("out")))

    // Its own earlier manifest is appended to.
    let manifest = scratch.file("run.jsonl")
    #expect(try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out"), "--manifest", manifest, "-q"]).status == 0)
    #expect(try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out2"), "--manifest", manifest, "-q"]).status == 0)
    #expect(lines(String(decoding: scratch.bytes("run.jsonl") ?? Data(), as: UTF8.self)).count == 2)
}

@Test func showReplacesOnlyANewFileOrItsOwnPicture() throws {
    let scratch = Scratch()
    let filter = scratch.write("edges.filter", edges)
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "chelsea.png")
    let before = snapshot(scratch)
    for target in [filter, scratch.file("chelsea.png")] {
        let result = try CLI.run(["show", filter, target])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(lines(result.stderr).count == 1 && result.stderr.hasPrefix(target + ": "), "\(result.stderr)")
    }
    #expect(snapshot(scratch) == before)
    #expect(try CLI.run(["show", filter, scratch.file("bank.png")]).status == 0)
    #expect(try CLI.run(["show", filter, scratch.file("bank.png")]).status == 0, "its own picture is replaced")
}

@Test func aFIFOOrDeviceIsRefusedWithoutEverBeingOpened() throws {
    let scratch = Scratch()
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/chelsea.png")
    #expect(mkfifo(scratch.file("in/pipe.png"), 0o644) == 0)
    try FileManager.default.createSymbolicLink(atPath: scratch.file("in/broken.png"), withDestinationPath: "missing.png")
    let filter = scratch.write("edges.filter", edges)

    // Named on the command line: a usage error at once.
    for argument in [scratch.file("in/pipe.png"), "/dev/zero"] {
        let result = try CLI.run(["apply", filter, argument, scratch.file("out")], timeout: 30)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(lines(result.stderr).count == 1 && result.stderr.contains("not a regular file or a folder"), "\(result.stderr)")
    }
    // Inside a folder: named as skipped, the rest of the batch written.
    let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out"), "-q"], timeout: 60)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
        lines(result.stderr) == [
            "\(scratch.file("in/broken.png")): skipped: dangling symbolic link",
            "\(scratch.file("in/pipe.png")): skipped: a FIFO, not a regular file",
        ])
    #expect(scratch.files(under: "out") == ["chelsea/00-sobel_x.png", "chelsea/01-sobel_y.png"])
}

@Test func aFileLargerThanTheLimitFailsBeforeAByteIsRead() throws {
    let scratch = Scratch()
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/chelsea.png")
    // 60 GB, sparse: takes no disk, and reading it whole would ask for 60 GB.
    let handle = try #require(FileHandle(forWritingAtPath: scratch.write("in/huge.jpg", "")))
    try handle.truncate(atOffset: 60 << 30)
    try handle.close()
    let filter = scratch.write("edges.filter", edges)
    let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out"), "-q"], timeout: 60)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(
        lines(result.stderr) == [
            "\(scratch.file("in/huge.jpg")): file of \(60 << 30) bytes is larger than the limit of 1073741824 bytes (--max-file-size)"
        ])
    #expect(scratch.files(under: "out") == ["chelsea/00-sobel_x.png", "chelsea/01-sobel_y.png"])
    let smaller = try CLI.run(["apply", filter, scratch.file("in/chelsea.png"), scratch.file("out2"), "--max-file-size", "1K"])
    #expect(smaller.status == 1 && smaller.stderr.contains("larger than the limit of 1024 bytes"), "\(smaller.stderr)")
}

@Test func a240CharacterMapNameIsWrittenAndOneOverNameMaxIsRefusedBeforeAnyImage() throws {
    let scratch = Scratch()
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/chelsea.png")
    let long = String(repeating: "n", count: 240)
    let ok = scratch.write("long.filter", "input gray\nconv pad=1\n  filter \(long) = sobel_x\n")
    let result = try CLI.run(["apply", ok, scratch.file("in"), scratch.file("out"), "-q"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(scratch.files(under: "out") == ["chelsea/00-\(long).png"])

    let tooLong = scratch.write("longer.filter", "input gray\nconv pad=1\n  filter \(long + "nnnnnnnnnnnnn") = sobel_x\n")
    let refused = try CLI.run(["apply", tooLong, scratch.file("in"), scratch.file("out3")])
    #expect(refused.status == 2, "\(refused.stderr)")
    #expect(lines(refused.stderr).count == 1, "\(refused.stderr)")
    #expect(refused.stderr.hasPrefix("filterpipe: \(tooLong): the output file name '00-nnn"), "\(refused.stderr)")
    #expect(refused.stderr.contains("is 260 bytes, over the file system's limit of 255 bytes (NAME_MAX)"), "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: scratch.file("out3")))

    // `check` says so too, and accepts the 240-byte name.
    #expect(try CLI.run(["check", ok]).status == 0)
    let checked = try CLI.run(["check", tooLong])
    #expect(checked.status == 2, "\(checked.stderr)")
    #expect(lines(checked.stderr).count == 1 && checked.stderr.contains("(NAME_MAX)"), "\(checked.stderr)")
}

@Test func aManifestOrReportThatCannotBeWrittenMakesTheExitStatusNonZero() throws {
    let scratch = Scratch()
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/chelsea.png")
    let filter = scratch.write("edges.filter", edges)
    let full = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out"), "--manifest", "/dev/full", "-q"])
    #expect(full.status == 1, "\(full.stderr)")
    #expect(lines(full.stderr) == ["/dev/full: manifest: cannot write a record: No space left on device"])

    // The report's index.html is a folder already: the report cannot be renamed into place.
    try FileManager.default.createDirectory(atPath: scratch.file("out2/index.html/x"), withIntermediateDirectories: true)
    let report = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out2"), "--report", "-q"])
    #expect(report.status == 1, "\(report.stderr)")
    #expect(lines(report.stderr) == ["\(scratch.file("out2/index.html")): cannot rename into place: Is a directory"])
}

@Test func outputsOnAFullFileSystemFailTheRunWithOneLineEach() throws {
    let scratch = Scratch()
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/chelsea.png")
    scratch.copy(CLI.samples + "/images/rocket.jpg", to: "in/rocket.jpg")
    let filter = scratch.write("edges.filter", edges)
    let disk = scratch.file("disk")
    try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
    let mount = Process()
    mount.executableURL = URL(fileURLWithPath: "/bin/mount")
    mount.arguments = ["-t", "tmpfs", "-o", "size=64k", "tmpfs", disk]
    mount.standardError = Pipe()
    guard (try? mount.run()) != nil,
        {
            mount.waitUntilExit(); return mount.terminationStatus == 0
        }()
    else {
        return  // mounting needs root: nothing to check without it
    }
    defer {
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = [disk]
        try? umount.run()
        umount.waitUntilExit()
    }
    let result = try CLI.run(["apply", filter, scratch.file("in"), disk + "/out", "--manifest", disk + "/m.jsonl", "-q"])
    #expect(result.status == 1, "\(result.stderr)")
    let errors = lines(result.stderr)
    #expect(errors.contains { $0.hasPrefix(scratch.file("in/")) && $0.hasSuffix(": No space left on device") }, "\(errors)")
    #expect(errors.allSatisfy { !$0.isEmpty })
    // No half-written file under a final name.
    for file in scratch.files(under: "disk/out") {
        let data = try #require(scratch.bytes("disk/out/" + file))
        #expect((try? ImageCodec.decode(Array(data))) != nil, "\(file) is not a whole PNG")
    }
}

@Test func controlCharactersInPathsAreEscapedSoEachFailureIsOneLine() throws {
    let scratch = Scratch()
    let name = "bad\nname\u{1B}[31m.png"
    _ = scratch.write("in/" + name, "not an image")
    _ = scratch.write("in/also\rbad.png", "nor this")
    let filter = scratch.write("edges.filter", edges)
    let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out")])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(
        lines(result.stderr).dropLast().sorted() == [
            "\(scratch.file("in"))/also\\rbad.png: not a PNG or JPEG file",
            "\(scratch.file("in"))/bad\\nname\\x1b[31m.png: not a PNG or JPEG file",
        ])
    #expect(!result.stderr.contains("\u{1B}"))
}

@Test(arguments: [
    ["--montage"], ["--stages"], ["--depth", "16"], ["--colormap", "viridis"], ["--report"], ["--kind", "image"],
])
func optionsThatCannotApplyToNpyAreUsageErrors(flags: [String]) throws {
    let scratch = Scratch()
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/chelsea.png")
    let filter = scratch.write("edges.filter", edges)
    let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out"), "--format", "npy"] + flags)
    #expect(result.status == 2, "\(result.stderr)")
    #expect(
        lines(result.stderr) == [
            "filterpipe: --format npy writes the raw tensor; \(flags[0]) cannot apply to it (see --help)"
        ])
    #expect(!FileManager.default.fileExists(atPath: scratch.file("out")))
}

@Test func aFileAndAFolderClashingInTheOutputsAreFoundBeforeAnyImage() throws {
    let scratch = Scratch()
    // a.png writes out/a/00-sobel_x.png; a/00-sobel_x.png.png needs out/a/00-sobel_x.png/ as a folder.
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/a.png")
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/a/00-sobel_x.png.png")
    let filter = scratch.write("edges.filter", edges)
    let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out")])
    #expect(result.status == 2, "\(result.stderr)")
    #expect(
        lines(result.stderr) == [
            "filterpipe: \(scratch.file("in/a.png")) would write the file \(scratch.file("out/a/00-sobel_x.png")), which "
                + "\(scratch.file("in/a/00-sobel_x.png.png")) needs as a folder; rename one or run them separately"
        ])
    #expect(!FileManager.default.fileExists(atPath: scratch.file("out")))
}

@Test func photosSharingAStemKeepTheirExtensionInEveryShardAndTheManifest() throws {
    let scratch = Scratch()
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/photo.png")
    scratch.copy(CLI.samples + "/images/rocket.jpg", to: "in/photo.jpg")
    scratch.copy(CLI.samples + "/images/rocket.jpg", to: "in/other.jpg")
    let filter = scratch.write("edges.filter", edges)
    let manifest = scratch.file("m.jsonl")
    let whole = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("whole"), "--manifest", manifest])
    #expect(whole.status == 0, "\(whole.stderr)")
    let notes = lines(whole.stderr).filter { $0.contains("share a name") }
    #expect(
        notes == [
            "filterpipe: 2 inputs share a name once the extension is dropped; their outputs keep the extension "
                + "(photo.jpg → photo.jpg, photo.png → photo.png); the manifest records each as kept_extension"
        ])
    #expect(
        scratch.files(under: "whole") == [
            "other/00-sobel_x.png", "other/01-sobel_y.png", "photo.jpg/00-sobel_x.png", "photo.jpg/01-sobel_y.png",
            "photo.png/00-sobel_x.png", "photo.png/01-sobel_y.png",
        ])
    let records = lines(String(decoding: scratch.bytes("m.jsonl") ?? Data(), as: UTF8.self))
    #expect(records.filter { $0.contains("\"kept_extension\":true") }.count == 2)
    #expect(records.contains { $0.contains("\"output_stem\":\"photo.jpg\"") && $0.contains("\"relative_path\":\"photo.jpg\"") })

    // Two shards, each seeing one of the pair, pick the same names as the whole run.
    for shard in ["0/2", "1/2"] {
        let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("sharded"), "--shard", shard, "-q"])
        #expect(result.status == 0, "\(result.stderr)")
    }
    #expect(scratch.files(under: "sharded") == scratch.files(under: "whole"))
    for file in scratch.files(under: "whole") { #expect(scratch.bytes("sharded/" + file) == scratch.bytes("whole/" + file)) }
}
