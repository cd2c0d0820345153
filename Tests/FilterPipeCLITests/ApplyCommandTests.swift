import FilterPipe
import Foundation
import Testing

/// A small edge bank: 2 filters on gray input, so runs stay fast in debug builds.
private let edgeFilter = """
    input gray
    conv pad=1
      filter sobel_x
        -1 0 1
        -2 0 2
        -1 0 1
      filter sobel_y = sobel_y
    relu
    maxpool size=2
    """

private func prepareInputs(_ scratch: Scratch) {
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/cats/chelsea.png")
    scratch.copy(CLI.samples + "/images/rocket.jpg", to: "in/rocket.jpg")
}

@Test func applyWritesOneDecodablePNGPerMapMirroringTheInputTree() throws {
    let scratch = Scratch()
    prepareInputs(scratch)
    let filter = scratch.write("edge.filter", edgeFilter)
    let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out"), "--quiet"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
        scratch.files(under: "out") == [
            "cats/chelsea/00-sobel_x.png", "cats/chelsea/01-sobel_y.png",
            "rocket/00-sobel_x.png", "rocket/01-sobel_y.png",
        ])
    let map = try ImageCodec.decode(fileAt: scratch.file("out/cats/chelsea/00-sobel_x.png"))
    // 451×300 → pad 1, 3×3 → 451×300 → 2×2 max pool (floor) → 225×150; gray, min-max stretched.
    #expect(map.width == 225 && map.height == 150 && map.channels == 1)
    guard case .uint8(let samples) = map.samples else { Issue.record("expected 8-bit"); return }
    #expect(samples.min() == 0 && samples.max() == 255)
}

@Test func corruptAndTruncatedImagesAreReportedAndTheRestOfTheBatchIsWritten() throws {
    let scratch = Scratch()
    prepareInputs(scratch)
    let png = try Data(contentsOf: URL(fileURLWithPath: CLI.samples + "/images/chelsea.png"))
    var corrupt = png
    for i in 30_000..<30_100 { corrupt[i] ^= 0x5A }  // inside the second IDAT chunk: its CRC fails
    FileManager.default.createFile(atPath: scratch.file("in/corrupt.png"), contents: corrupt)
    let jpeg = try Data(contentsOf: URL(fileURLWithPath: CLI.samples + "/images/rocket.jpg"))
    FileManager.default.createFile(atPath: scratch.file("in/truncated.jpg"), contents: jpeg.prefix(jpeg.count / 2))
    let filter = scratch.write("edge.filter", edgeFilter)
    let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out")])
    #expect(result.status == 1)
    let lines = result.stderr.split(separator: "\n").map(String.init)
    #expect(lines.contains { $0.hasPrefix(scratch.file("in/corrupt.png") + ": ") })
    #expect(lines.contains { $0.hasPrefix(scratch.file("in/truncated.jpg") + ": ") })
    #expect(lines.last?.hasPrefix("written 2, failed 2, skipped 0 images; 4 maps;") == true, "\(result.stderr)")
    #expect(scratch.files(under: "out").count == 4)
}

@Test(arguments: [
    ("conv\n  filter a\n    1 2\n    3\n", ":4:5: ragged matrix"),
    ("relu6\n", ":1:1: unknown stage 'relu6'"),
    ("conv stride=2 pad=same\n  filter a = box\n", ":1:19: layer 1 (conv): pad=same needs stride 1"),
])
func aBrokenFilterFileStopsBeforeAnyImageWithExitTwo(text: String, expected: String) throws {
    let scratch = Scratch()
    prepareInputs(scratch)
    let filter = scratch.write("bad.filter", text)
    let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out")])
    #expect(result.status == 2)
    #expect(result.stderr.hasPrefix(filter + expected), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: scratch.file("out")))
}

@Test(arguments: [
    ["--jobs", "0"], ["--depth", "12"], ["--shard", "2/2"], ["--no-such-flag"], ["--png-level", "10"],
])
func badFlagsAreUsageErrorsWithExitTwo(flags: [String]) throws {
    let scratch = Scratch()
    prepareInputs(scratch)
    let filter = scratch.write("edge.filter", edgeFilter)
    let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out")] + flags)
    #expect(result.status == 2, "\(result.stderr)")
    #expect(!result.stderr.isEmpty)
}

@Test func outputInsideTheInputIsRefused() throws {
    let scratch = Scratch()
    prepareInputs(scratch)
    let filter = scratch.write("edge.filter", edgeFilter)
    let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("in/maps")])
    #expect(result.status == 2)
    #expect(result.stderr.contains("inside input"))
}

@Test func outputsAreByteIdenticalWithOneOrTwoJobs() throws {
    let scratch = Scratch()
    prepareInputs(scratch)
    let filter = scratch.write("edge.filter", edgeFilter)
    #expect(try CLI.run(["apply", filter, scratch.file("in"), scratch.file("one"), "--jobs", "1", "-q"]).status == 0)
    #expect(try CLI.run(["apply", filter, scratch.file("in"), scratch.file("two"), "--jobs", "2", "-q"]).status == 0)
    let files = scratch.files(under: "one")
    #expect(files == scratch.files(under: "two") && files.count == 4)
    for file in files { #expect(scratch.bytes("one/" + file) == scratch.bytes("two/" + file), "\(file)") }
}

@Test func twoShardsTogetherWriteWhatOneRunWrites() throws {
    let scratch = Scratch()
    prepareInputs(scratch)
    scratch.copy(CLI.samples + "/images/coffee.png", to: "in/coffee.png")
    let filter = scratch.write("edge.filter", edgeFilter)
    #expect(try CLI.run(["apply", filter, scratch.file("in"), scratch.file("all"), "-q"]).status == 0)
    for shard in ["0/2", "1/2"] {
        let r = try CLI.run([
            "apply", filter, scratch.file("in"), scratch.file("sharded"), "--shard", shard, "-q",
            "--manifest", scratch.file("manifest.jsonl"),
        ])
        #expect(r.status == 0, "\(r.stderr)")
    }
    let files = scratch.files(under: "all")
    #expect(files == scratch.files(under: "sharded") && files.count == 6)
    for file in files { #expect(scratch.bytes("all/" + file) == scratch.bytes("sharded/" + file)) }
    let records = String(decoding: scratch.bytes("manifest.jsonl") ?? Data(), as: UTF8.self).split(separator: "\n")
    #expect(records.count == 3)
    #expect(records.allSatisfy { $0.contains("\"status\":\"written\"") })
}

@Test func skipExistingRedoesOnlyMissingOutputsAndEndsIdentical() throws {
    let scratch = Scratch()
    prepareInputs(scratch)
    let filter = scratch.write("edge.filter", edgeFilter)
    #expect(try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out"), "-q"]).status == 0)
    let before = scratch.files(under: "out").map { scratch.bytes("out/" + $0) }
    try FileManager.default.removeItem(atPath: scratch.file("out/rocket/01-sobel_y.png"))
    let rerun = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out"), "--skip-existing", "--json"])
    #expect(rerun.status == 0)
    #expect(rerun.stdout.contains("\"skipped\":1") && rerun.stdout.contains("\"written\":1"), "\(rerun.stdout)")
    #expect(scratch.files(under: "out").map { scratch.bytes("out/" + $0) } == before)
}

@Test func npyOutputHoldsTheFinalTensorAsFloat32() throws {
    let scratch = Scratch()
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/chelsea.png")
    let filter = scratch.write("id.filter", "input gray\n")
    #expect(try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out"), "--format", "npy", "-q"]).status == 0)
    let bytes = [UInt8](scratch.bytes("out/chelsea.npy") ?? Data())
    let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
    #expect(header.contains("'shape': (1, 300, 451)"))
    #expect(bytes.count == 10 + headerLength + 300 * 451 * 4)
}

/// SIGINT (a terminal's Ctrl-C) and SIGTERM (what `scancel`, a Slurm requeue and Kubernetes send)
/// behave alike; the status is the shell's for death by that signal, 128 + its number.
@Test(arguments: [(SIGINT, Int32(130), "SIGINT"), (SIGTERM, Int32(143), "SIGTERM")])
func aSignalledRunFinishesItsImagesInFlightExits128PlusTheSignalAndResumesToTheSameTree(
    signal: Int32, status: Int32, name: String
) throws {
    let scratch = Scratch()
    for i in 0..<16 { scratch.copy(CLI.samples + "/images/coffee.png", to: "in/c\(i).png") }
    // An earlier run's file in OUTPUT that this run does not write: it must be left alone.
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "out/earlier/kept.png")
    let inputsBefore = scratch.files(under: "in").map { scratch.bytes("in/" + $0) }
    let earlierBefore = scratch.bytes("out/earlier/kept.png")
    let filter = scratch.write("edge.filter", edgeFilter)
    let manifest = scratch.file("manifest.jsonl")
    let process = try CLI.start([
        "apply", filter, scratch.file("in"), scratch.file("out"), "--jobs", "1", "--manifest", manifest,
    ])
    // Wait for the first image's outputs, then signal: the batch is mid-run.
    let deadline = Date().addingTimeInterval(60)
    while !scratch.files(under: "out").contains(where: { $0.hasSuffix("01-sobel_y.png") }) && Date() < deadline {
        usleep(20_000)
    }
    kill(process.processIdentifier, signal)
    let errData = (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let stderr = String(decoding: errData, as: UTF8.self)
    #expect(process.terminationStatus == status, "\(stderr)")
    let lines = stderr.split(separator: "\n").map(String.init)
    #expect(
        lines.filter { $0.hasPrefix("filterpipe: interrupted") }
            == ["filterpipe: interrupted (\(name)); finishing the images in flight (again to quit now)"], "\(stderr)")
    // The summary is still printed, and counts only whole images.
    let summary = lines.last ?? ""
    let counts = summary.split(whereSeparator: { !$0.isNumber }).prefix(4).compactMap { Int($0) }
    #expect(
        summary.hasPrefix("written ") && summary.contains(", failed 0, skipped 0 images, ")
            && summary.contains(" not started; "), "\(stderr)")
    let written = counts.first ?? -1
    #expect(counts.count == 4 && written + counts[3] == 16, "\(summary)")
    #expect(written >= 1 && written < 16, "signal came too late to test: \(written) images")
    let partial = scratch.files(under: "out").filter { $0.hasPrefix("c") }
    // Every image has both maps or none: nothing half-done, no temporary files, all PNGs decode.
    #expect(partial.count == 2 * written, "\(partial)")
    let all = scratch.files(under: "out")
    #expect(!all.contains { ($0 as NSString).lastPathComponent.hasPrefix(".") }, "temporary file left: \(all)")
    for file in partial { #expect(throws: Never.self) { try ImageCodec.decode(fileAt: scratch.file("out/" + file)) } }
    #expect(scratch.files(under: "in").map { scratch.bytes("in/" + $0) } == inputsBefore)
    #expect(scratch.bytes("out/earlier/kept.png") == earlierBefore)

    let resumed = try CLI.run([
        "apply", filter, scratch.file("in"), scratch.file("out"), "-q", "--skip-existing", "--manifest", manifest,
    ])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let fresh = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("fresh"), "-q"])
    #expect(fresh.status == 0, "\(fresh.stderr)")
    let files = scratch.files(under: "fresh")
    #expect(files.count == 32 && scratch.files(under: "out") == files + ["earlier/kept.png"])
    for file in files { #expect(scratch.bytes("out/" + file) == scratch.bytes("fresh/" + file)) }
    try expectMergedManifest(manifest, lines: written + 16, images: 16)
}

/// The documented merge (docs/examples/merge-manifests.py) of a manifest that an interrupted run
/// and its resumption both appended to: one record per image, each the attempt that wrote it.
private func expectMergedManifest(_ manifest: String, lines: Int, images: Int) throws {
    let raw = String(decoding: FileManager.default.contents(atPath: manifest) ?? Data(), as: UTF8.self)
    #expect(raw.split(separator: "\n").count == lines)
    let python = Process()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    python.arguments = ["python3", CLI.root + "/docs/examples/merge-manifests.py", manifest]
    let out = Pipe()
    python.standardOutput = out
    do { try python.run() } catch {
        print("skipped: the manifest merge needs python3")
        return
    }
    let merged = out.fileHandleForReading.readDataToEndOfFile()
    python.waitUntilExit()
    if python.terminationStatus == 127 {
        print("skipped: the manifest merge needs python3")
        return
    }
    #expect(python.terminationStatus == 0)
    let records = try merged.split(separator: 0x0A).map {
        try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] ?? [:]
    }
    let inputs = records.compactMap { $0["input"] as? String }
    #expect(records.count == images && Set(inputs).count == images && inputs == inputs.sorted())
    #expect(records.allSatisfy { $0["status"] as? String == "written" && ($0["outputs"] as? [String])?.count == 2 })
}

/// W2's kind of pipeline (one clamped image out): the streaming route.
private let blurFilter = """
    input rgb
    conv pad=2 pad_mode=replicate depthwise
      filter gauss = gaussian size=5 sigma=1
    output image normalize=clamp
    """

@Test(arguments: [edgeFilter, blurFilter])
func aMemoryBudgetChangesWhenImagesStartNotWhatIsWritten(filterText: String) throws {
    let scratch = Scratch()
    prepareInputs(scratch)
    scratch.copy(CLI.samples + "/images/coffee.png", to: "in/coffee.png")
    let filter = scratch.write("f.filter", filterText)
    #expect(try CLI.run(["apply", filter, scratch.file("in"), scratch.file("free"), "-q"]).status == 0)
    // Budgets every image fits (one over the budget fails instead: MemoryLimitTests).
    for budget in ["64M", "1G"] {
        let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file(budget), "--max-memory", budget, "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        let files = scratch.files(under: "free")
        #expect(files == scratch.files(under: budget) && files.count >= 3)
        for file in files { #expect(scratch.bytes("free/" + file) == scratch.bytes(budget + "/" + file), "\(file)") }
    }
}

@Test(arguments: ["0", "64Q", "-5M", "M", "1.5G", "99999999999999999999"])
func aBadMemoryBudgetIsAUsageError(budget: String) throws {
    let scratch = Scratch()
    prepareInputs(scratch)
    let filter = scratch.write("edge.filter", edgeFilter)
    let result = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out"), "--max-memory=\(budget)"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("--max-memory must be a size such as 64M"), "\(result.stderr)")
    #expect(scratch.files(under: "out").isEmpty)
}

@Test(arguments: ["apply", "check", "show"])
func everyCommandRefusesAnUnreadableFilterFileWithExitTwoAndOneLine(command: String) throws {
    let scratch = Scratch()
    prepareInputs(scratch)
    let missing = scratch.file("missing.filter")
    let arguments =
        command == "apply"
        ? [command, missing, scratch.file("in"), scratch.file("out")]
        : command == "show" ? [command, missing, scratch.file("filters.png")] : [command, missing]
    let result = try CLI.run(arguments)
    #expect(result.status == 2)
    #expect(result.stderr == "\(missing): cannot read filter file: No such file or directory\n", "\(result.stderr)")
}

@Test func anImageNamedMontageIsCountedAsAMapNotAsAMontage() throws {
    // Outputs are classified by the plan's kinds, not by name: `x/montage.png` written by
    // `output image` is the image itself (the old suffix test counted it as a montage: 0 maps).
    let scratch = Scratch()
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/x/montage.png")
    let image = scratch.write("image.filter", "input gray\nconv pad=1\n  filter s = sobel_x\noutput image\n")
    let result = try CLI.run(["apply", image, scratch.file("in"), scratch.file("out")])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(scratch.files(under: "out") == ["x/montage.png"])
    #expect(
        result.stderr.split(separator: "\n").last?.hasPrefix("written 1, failed 0, skipped 0 images; 1 maps;") == true,
        "\(result.stderr)")
    let montage = scratch.write("montage.filter", "input gray\nconv pad=1\n  filter s = sobel_x\noutput montage\n")
    // The summary now counts the montage beside the maps (issue 14: counts that agree everywhere).
    let drawn = try CLI.run(["apply", montage, scratch.file("in"), scratch.file("out2")])
    #expect(drawn.status == 0, "\(drawn.stderr)")
    #expect(
        drawn.stderr.split(separator: "\n").last?.hasPrefix("written 1, failed 0, skipped 0 images; 0 maps, 1 montage;")
            == true,
        "\(drawn.stderr)")
}
