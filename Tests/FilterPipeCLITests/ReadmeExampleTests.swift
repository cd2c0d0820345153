import FilterPipe
import Foundation
import Testing

/// The README's "As a library" example, verbatim but for paths, so the documented API keeps compiling
/// and doing what the README says.
@Test func readmeLibraryExampleRunsAndWritesARecoverableMap() throws {
    let scratch = Scratch()
    let pipeline = try Pipeline(contentsOf: CLI.samples + "/filters/edge.filter")
    let maps = try pipeline.run(imageAt: CLI.samples + "/images/chelsea.png")
    #expect(maps.shape == Shape(channels: 3, height: 300, width: 451))
    #expect(pipeline.spec.finalMapNames(inputChannels: pipeline.spec.input.channels) == ["sobel_x", "sobel_y", "laplacian"])

    let input = Tensor(shape: Shape(channels: 1, height: 64, width: 64), repeating: 0.5)
    let output = try pipeline.run(input)
    let pngs = MapRenderer(normalization: .symmetric).render(output)
    try ImageCodec.writePNG(pngs[0].pixels, to: scratch.file("map.png"), options: PNGWriteOptions(text: pngs[0].text))
    // A flat input has no edges: every Sobel response is 0, which the diverging map draws in its
    // middle colour (RdBu's near-white #F7F7F7 region), the same for every pixel.
    let decoded = try ImageCodec.decode(fileAt: scratch.file("map.png"))
    #expect(decoded.width == 64 && decoded.height == 64 && decoded.channels == 3)
    guard case .uint8(let samples) = decoded.samples else { Issue.record("expected 8-bit"); return }
    #expect(Set(samples).count <= 3 && samples.allSatisfy { $0 >= 240 })
}

@Test func aMissingFilterFileIsATypedErrorNamingIt() {
    #expect {
        _ = try Pipeline(contentsOf: "/nonexistent/x.filter")
    } throws: { error in
        guard case .filterFile(let e) = error as? FilterPipeError else { return false }
        return e.description.hasPrefix("/nonexistent/x.filter: cannot read")
    }
}
