// TEMPORARY shim until the visualisation branch merges; deleted then.
struct RenderedMap { var pixels: PixelBuffer; var text: [PNGWriteOptions.TextChunk] }
struct MapRenderer {
    init(normalization: OutputSpec.Normalization, colormap: OutputSpec.Colormap, depth: Int) {}
    func render(_ maps: Tensor) -> [RenderedMap] { fatalError() }
}
enum Montage {
    static func make(input: Tensor, maps: Tensor, names: [String], normalization: OutputSpec.Normalization, colormap: OutputSpec.Colormap) -> PixelBuffer { fatalError() }
}
enum ImageComposer {
    static func compose(_ maps: Tensor, normalization: OutputSpec.Normalization, depth: Int) throws -> PixelBuffer { fatalError() }
}
extension Tensor { init(pixels: PixelBuffer, mode: InputMode) { fatalError() } }
