import Foundation
import Testing

@testable import FilterPipe

// A property test of `BatchSafety`: random trees of inputs (nested folders, same stems, names that
// look like outputs, symbolic links to files and folders, dangling links, earlier outputs) with
// OUTPUT spelt every way (`.`, `./.`, `..`, links), and random filter files. For each tree the
// safety check runs, then every planned output is really written, the way a batch writes
// (`OutputTree.makeFolder`, `AtomicFile`), and the tree is compared with a snapshot taken before.
// The check must refuse exactly the batches whose writes would change an input or the filter file,
// or leave a file a later run would read as an input; a clash or a too-long name must be real.
//
// The committed test runs a bounded set of seeds; FILTERPIPE_SAFETY_SECONDS=N runs seeds for N
// seconds (see docs/robustness.md for the long run's figures).

/// SplitMix64: a small, seedable generator, so a failing seed can be rerun.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let namePool = ["a", "b", "00-x", "01-y", "in", "out", "photo", "montage", "stage-1-conv", "00-x.png", "a.png"]
private let extensionPool = [".png", ".jpg", ".JPG", ".jpeg", ".png.png", ""]
// Filter names start with a letter; "x" gives `00-x.png`, which is also an input name above.
private let mapNamePool = ["x", "y", "a", "in", "photo", "montage", "x.png", "stage-1-conv"]

struct SafetyOutcome: Equatable {
    var refused: BatchSetupError.Kind?
    var harmed: Bool
}

/// Builds one random case in `root`, runs the check and the writes, and returns what happened;
/// records an issue when the check and the writes disagree.
@discardableResult
private func runCase(seed: UInt64) throws -> SafetyOutcome {
    var rng = SplitMix(state: seed)
    let folder = TemporaryFolder()
    let t = folder.path
    let fm = FileManager.default
    func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }
    func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

    // Inputs: T/in (nested), T/photos, with image-looking contents (PNG signature + a unique tail).
    var counter = 0
    func image(_ relative: String) {
        counter += 1
        folder.write(relative, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array("\(seed)-\(counter)".utf8))
    }
    var subfolders = ["in"]
    for _ in 0..<Int.random(in: 0...2, using: &rng) { subfolders.append(pick(subfolders) + "/" + pick(namePool)) }
    for _ in 0..<Int.random(in: 1...6, using: &rng) {
        let name = pick(namePool) + pick(extensionPool)
        let path = pick(subfolders) + "/" + name
        var isDirectory: ObjCBool = false
        if !fm.fileExists(atPath: t + "/" + path, isDirectory: &isDirectory) && !subfolders.contains(path) { image(path) }
    }
    image("photos/p.png")
    if chance(0.3) { image("photos/" + pick(namePool) + ".png") }
    if chance(0.4) { try? fm.createSymbolicLink(atPath: t + "/in/link.png", withDestinationPath: "../photos/p.png") }
    if chance(0.3) { try? fm.createSymbolicLink(atPath: t + "/in/dangling.png", withDestinationPath: "nowhere") }
    if chance(0.3) { try? fm.createSymbolicLink(atPath: t + "/in/folder-link", withDestinationPath: "../photos") }
    try? fm.createSymbolicLink(atPath: t + "/link-to-in", withDestinationPath: "in")
    try? fm.createSymbolicLink(atPath: t + "/link-to-photos", withDestinationPath: "photos")
    // Earlier outputs, some of them links to inputs.
    if chance(0.4) {
        image("out/a/00-x.png")
        if chance(0.5) { try? fm.createSymbolicLink(atPath: t + "/out/p.png", withDestinationPath: "../photos/p.png") }
        if chance(0.3) { try? fm.createSymbolicLink(atPath: t + "/out/photo", withDestinationPath: "../in") }
    }

    // The filter file: usually beside the inputs, sometimes with a name an output could have.
    let filterPath = chance(0.2) ? t + "/" + pick(["a.png", "photos/a.png", "in.png"]) : t + "/f.filter"
    let kind = pick(["maps", "image", "image"])
    var filterText = "input gray\nconv pad=1\n"
    let mapCount = kind == "image" ? 1 : Int.random(in: 1...2, using: &rng)
    var maps: [String] = []
    for index in 0..<mapCount {
        var name = pick(mapNamePool)
        if chance(0.05) { name = String(repeating: "n", count: 253) }
        if maps.contains(name) { name += "\(index)" }
        maps.append(name)
        filterText += "  filter \(name) = \(index == 0 ? "sobel_x" : "sobel_y")\n"
    }
    if chance(0.3) { filterText += "relu\n" }
    filterText += "output \(kind)\n"
    try? fm.createDirectory(atPath: (filterPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    fm.createFile(atPath: filterPath, contents: Data(filterText.utf8))
    let spec = try FilterFileParser.parse(filterText, fileName: filterPath)
    var options = BatchOptions()
    options.output = spec.output
    options.stages = chance(0.3)
    options.montage = kind == "maps" && chance(0.3)
    options.filterPath = filterPath

    let rootChoices = [
        t + "/in", t + "/photos/p.png", t + "/link-to-in", t + "/photos", t + "/in/" + pick(namePool) + ".png",
        t + "/" + pick(subfolders),
    ]
    var roots: [String] = []
    for _ in 0..<Int.random(in: 1...2, using: &rng) {
        let root = pick(rootChoices)
        if fm.fileExists(atPath: root) && !roots.contains(root) { roots.append(root) }
    }
    if roots.isEmpty { roots = [t + "/in"] }
    // Half the time a spelling of a folder that holds inputs' parents or the photos themselves.
    let risky = [
        t, t + "/.", t + "/./.", t + "/in/..", t + "/in/../.", t + "/photos", t + "/photos/.", t + "/link-to-photos",
        t + "/out/../photos", t + "/link-to-in/..", t + "/" + pick(subfolders) + "/..", t + "/new/../photos",
    ]
    let other = [t + "/out", t + "/in", t + "/in/" + pick(namePool), t + "/" + pick(subfolders), t + "/fresh"]
    var outputRoot = chance(0.5) ? pick(risky) : pick(other)
    // A third of the time: one photo given directly, OUTPUT its own folder spelt another way.
    let files = (fm.enumerator(atPath: t + "/in")?.allObjects as? [String] ?? []).filter {
        $0.hasSuffix(".png") && fm.fileExists(atPath: t + "/in/" + $0)
    }
    if chance(0.33), let file = files.isEmpty ? nil : pick(files) {
        roots = [t + "/in/" + file]
        let folder = t + "/in/" + ((file as NSString).deletingLastPathComponent)
        outputRoot = pick([folder, folder + "/.", folder + "/./", folder + "/../" + (folder as NSString).lastPathComponent])
    }

    // Before: every file's bytes, and what discovery finds.
    let before = snapshot(t)
    let output = OutputTree(root: outputRoot)
    var refusal: BatchSetupError? = nil
    var inputs: [BatchInput] = []
    do {
        try output.checkSeparate(from: roots)
        inputs = OutputNaming.assign(try InputDiscovery.discover(roots).inputs)
        try BatchSafety.check(
            inputs: inputs, roots: roots, output: output, spec: spec, options: options,
            protected: [BatchSafety.Protected(path: filterPath, label: "the filter file")])
    } catch {
        refusal = error
    }
    if inputs.isEmpty { inputs = (try? OutputNaming.assign(InputDiscovery.discover(roots).inputs)) ?? [] }
    let plans = inputs.map { OutputPlan(stem: $0.outputStem, spec: spec, options: options).allFiles }
    let inputPaths = Set(inputs.map(\.path))
    let resolvedInputs = Set(inputs.map { URL(fileURLWithPath: $0.path).resolvingSymlinksInPath().path })

    // Independent facts about the plan.
    let allFiles = plans.flatMap { $0 }
    let duplicates = Set(allFiles).count != allFiles.count
    let folders = Set(
        allFiles.flatMap { file -> [String] in
            var parts = file.split(separator: "/").dropLast().map(String.init)
            var result: [String] = []
            while !parts.isEmpty {
                result.append(parts.joined(separator: "/"))
                parts.removeLast()
            }
            return result
        })
    let fileFolderClash = allFiles.contains { folders.contains($0) }
    let tooLong = allFiles.contains { $0.split(separator: "/").contains { $0.utf8.count > 255 } }
    let outputResolved = URL(fileURLWithPath: outputRoot).standardizedFileURL.resolvingSymlinksInPath().path
    let outputInsideRoot = roots.contains { root in
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDirectory) else { return false }
        let real = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        return isDirectory.boolValue ? (outputResolved == real || outputResolved.hasPrefix(real + "/")) : outputResolved == real
    }

    // Write every planned output as a batch would (a refused write is an image failure, not harm).
    var written: [String] = []
    for file in allFiles {
        do {
            try output.makeFolder((file as NSString).deletingLastPathComponent)
            try AtomicFile.write(Array("output of \(file)".utf8), to: output.path(file))
            written.append(output.path(file))
        } catch {}
    }
    let filterChanged = fm.contents(atPath: filterPath) != Data(filterText.utf8)
    let changedInputs = inputs.contains { input in
        (try? Data(contentsOf: URL(fileURLWithPath: input.path)))
            != before[URL(fileURLWithPath: input.path).resolvingSymlinksInPath().path]
    }
    let rediscovered = Set(((try? InputDiscovery.find(roots)) ?? []).map(\.path))
    let newInputs = rediscovered.subtracting(inputPaths)
    let harmed = filterChanged || changedInputs || !newInputs.isEmpty

    let context =
        "seed \(seed): roots \(roots), output \(outputRoot), filter \(filterText.debugDescription), "
        + "refusal \(refusal?.message ?? "none"), filter changed \(filterChanged), inputs changed \(changedInputs), new inputs \(newInputs.sorted())"
    switch refusal?.kind {
    case nil:
        #expect(!harmed, "passed but harmed an input: \(context)")
        #expect(!duplicates && !fileFolderClash && !tooLong, "passed a clash: \(context)")
        // No planned output is an input, by paths resolved independently (Foundation).
        let outputs = Set(allFiles.map { URL(fileURLWithPath: output.path($0)).standardizedFileURL.path })
        #expect(outputs.isDisjoint(with: resolvedInputs.union(inputPaths)), "an output is an input: \(context)")
    case .overwritesInput?:
        #expect(harmed, "refused as overwriting an input, but writing harmed nothing: \(context)")
    case .outputClash?:
        #expect(duplicates || fileFolderClash, "refused a clash that is not there: \(context)")
    case .nameTooLong?:
        #expect(tooLong, "refused a name that fits: \(context)")
    case .other?:
        var isDirectory: ObjCBool = false
        let notAFolder = fm.fileExists(atPath: outputRoot, isDirectory: &isDirectory) && !isDirectory.boolValue
        let missingRoot = roots.contains { !fm.fileExists(atPath: $0) }
        #expect(outputInsideRoot || notAFolder || missingRoot, "refused for another reason: \(context)")
    }
    return SafetyOutcome(refused: refusal?.kind, harmed: harmed)
}

/// Every regular file below `root` (links not followed), by real path, with its bytes.
private func snapshot(_ root: String) -> [String: Data] {
    var files: [String: Data] = [:]
    let base = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
    for relative in (FileManager.default.enumerator(atPath: base)?.allObjects as? [String]) ?? [] {
        let path = base + "/" + relative
        var info = stat()
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, let data = FileManager.default.contents(atPath: path) {
            files[path] = data
        }
    }
    return files
}

/// Seeds 0..<150, and the seeds long runs found (1_000_562: an output onto an existing folder inside
/// an input folder was refused, though the rename would fail and harm nothing).
@Test(arguments: Array(0..<150) + [1_000_562])
func theSafetyCheckRefusesExactlyTheBatchesThatWouldHarmAnInput(seed: Int) throws {
    try runCase(seed: UInt64(seed))
}

@Test func theSeedSetReachesEveryOutcome() throws {
    var outcomes: [String: Int] = [:]
    for seed in 0..<150 {
        let outcome = try runCase(seed: UInt64(seed))
        outcomes["\(outcome.refused.map { "\($0)" } ?? "passed")", default: 0] += 1
    }
    // The generator is worth something only if it reaches both sides of the check.
    #expect(outcomes["passed", default: 0] > 10, "\(outcomes)")
    #expect(outcomes["overwritesInput", default: 0] > 10, "\(outcomes)")
    #expect(outcomes["outputClash", default: 0] > 0, "\(outcomes)")
    #expect(outcomes["nameTooLong", default: 0] > 0, "\(outcomes)")
    #expect(outcomes["other", default: 0] > 0, "\(outcomes)")
}

@Test func generatedTreesForAsLongAsAsked() throws {
    guard let text = ProcessInfo.processInfo.environment["FILTERPIPE_SAFETY_SECONDS"], let seconds = Double(text) else {
        return
    }
    let start = Date()
    var count = 0
    var outcomes: [String: Int] = [:]
    var seed: UInt64 = 1_000_000
    while Date().timeIntervalSince(start) < seconds {
        let outcome = try runCase(seed: seed)
        outcomes["\(outcome.refused.map { "\($0)" } ?? "passed")", default: 0] += 1
        count += 1
        seed += 1
    }
    print("safety property: \(count) cases in \(Int(seconds)) s: \(outcomes.sorted { $0.key < $1.key })")
}
