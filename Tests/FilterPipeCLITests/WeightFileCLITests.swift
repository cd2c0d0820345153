import Foundation
import Testing

// `check`, `apply` and `show` on filter files with weights= lines.

@Test func checkPrintsTheLoadedBanksFileAndShape() throws {
    let result = try CLI.run(["check", CLI.samples + "/filters/simple_convnet.filter", "--size", "28x28"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("conv     30 filters 5×5 from W1.npy (30, 1, 5, 5)  30×24×24"), "\(result.stdout)")
}

@Test(arguments: ["check", "apply", "show"])
func aMissingWeightFileIsOneLocatedLineAndExitTwo(command: String) throws {
    let scratch = Scratch()
    let filter = scratch.write("net.filter", "input gray\nconv weights=W1.npy\n")
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "in/chelsea.png")
    let arguments =
        switch command {
        case "apply": ["apply", filter, scratch.file("in"), scratch.file("out")]
        case "show": ["show", filter, scratch.file("filters.png")]
        default: ["check", filter]
        }
    let result = try CLI.run(arguments)
    #expect(result.status == 2)
    #expect(result.stderr == "\(filter):2:14: weights file \(scratch.path)/W1.npy: cannot read: No such file or directory\n")
    #expect(!FileManager.default.fileExists(atPath: scratch.file("out")))
}
