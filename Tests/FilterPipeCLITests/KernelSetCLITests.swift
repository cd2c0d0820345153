import FilterPipe
import Foundation
import Testing

/// `FILTERPIPE_ISA` and the kernel set's name in `--version` and `apply --profile`.
@Suite struct KernelSetCLITests {
    static let variable = KernelSet.environmentVariable

    @Test func versionNamesTheBestSupportedKernelSetUnlessOneIsForced() throws {
        let best = try CLI.run(["--version"], environment: [Self.variable: ""])
        #expect(best.status == 0)
        #expect(best.stdout.contains("conv kernels: \(KernelSet.supported[0].rawValue) ("), "\(best.stdout)")
        let forced = try CLI.run(["--version"], environment: [Self.variable: "baseline"])
        #expect(forced.stdout.contains("conv kernels: baseline ("), "\(forced.stdout)")
    }

    @Test(arguments: ["sse9", "AVX2"])
    func anUnknownKernelSetIsRefusedWithExitStatus2(value: String) throws {
        let result = try CLI.run(["--version"], environment: [Self.variable: value])
        #expect(result.status == 2)
        #expect(
            result.stderr == "filterpipe: \(Self.variable)=\(value): no such kernel set (one of: avx512, avx2, baseline, neon)\n")
        #expect(result.stdout.isEmpty)
    }

    @Test func aKernelSetThisCPUCannotRunIsRefusedNotReplaced() throws {
        let unsupported = try #require(KernelSet.allCases.first { !KernelSet.supported.contains($0) })
        let scratch = Scratch()
        let result = try CLI.run(
            ["apply", CLI.samples + "/filters/edge.filter", CLI.samples + "/images", scratch.file("out")],
            environment: [Self.variable: unsupported.rawValue])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("filterpipe: \(Self.variable)=\(unsupported.rawValue): this CPU cannot run it"))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out")))
    }

    /// The README's sample job with every supported set forced: the FMA sets write the same bytes,
    /// and `--profile` says which set ran.
    @Test func everyFusedKernelSetWritesTheSameFilesAndProfileNamesIt() throws {
        let scratch = Scratch()
        var trees: [KernelSet: [String: Data]] = [:]
        for set in KernelSet.supported {
            let out = "out-\(set.rawValue)"
            let result = try CLI.run(
                ["apply", "--profile", CLI.samples + "/filters/edge.filter", CLI.samples + "/images", scratch.file(out)],
                environment: [Self.variable: set.rawValue])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("; conv kernels \(set.rawValue)\n"), "\(result.stderr)")
            let files = scratch.files(under: out)
            #expect(files.count == 9)
            trees[set] = Dictionary(uniqueKeysWithValues: files.map { ($0, scratch.bytes(out + "/" + $0) ?? Data()) })
        }
        let fused = KernelSet.supported.filter { $0 != .baseline }
        for set in fused.dropFirst() { #expect(trees[set] == trees[fused[0]], "\(set.rawValue)") }
    }
}
