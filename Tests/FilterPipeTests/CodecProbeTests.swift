import Testing

@testable import FilterPipe

#if canImport(Glibc)
    import Glibc
#endif

// Header probing against the shared corpus's manifest (written by other tools: Pillow, djpeg and
// a marker parser) and against what decoding gives.

@Suite struct CodecProbeTests {
    @Test(arguments: RowLayoutCodecTests.samples)
    func aSamplePhotosProbeGivesItsDecodedSize(path: String) throws {
        let probe = try #require(ImageCodec.probe(fileAt: path))
        let image = try ImageCodec.decode(fileAt: path)
        #expect(probe.width == image.width && probe.height == image.height && probe.channels == image.channels)
    }

    @Test(.enabled(if: SharedTestData.isAvailable))
    func validFilesProbeToTheManifestsSizeSamplingAndScanMode() throws {
        var checked = 0, progressive = 0
        for row in SharedTestData.manifest where row.isValid && (row.format == "png" || row.format == "jpeg") {
            guard let probe = ImageCodec.probe(fileAt: SharedTestData.path(row.path)) else {
                Issue.record("\(row.path): no header found")
                continue
            }
            #expect(probe.width == row.width && probe.height == row.height, "\(row.path)")
            if row.format == "jpeg" {
                #expect(probe.progressive == row.notes.hasPrefix("progressive"), "\(row.path)")
                let perPixel: [String: Double] = ["subsampling 4:2:0": 1.5, "subsampling 4:2:2": 2, "subsampling 4:4:4": 3]
                for (note, coefficients) in perPixel where row.notes.contains(note) {
                    #expect(probe.coefficientsPerPixel == coefficients, "\(row.path): \(note)")
                }
                if probe.progressive { progressive += 1 }
            }
            checked += 1
        }
        #expect(checked > 400)
        #expect(progressive > 5)
    }

    @Test func aFileThatIsNotAnImageHasNoProbe() throws {
        let folder = TemporaryFolder()
        let path = folder.path + "/notes.png"
        try ImageCodec.writePNG(PixelBuffer(width: 1, height: 1, channels: 1, samples: .uint8([0])), to: path)
        #expect(ImageCodec.probe(fileAt: path) != nil)
        #expect(ImageCodec.probe(fileAt: folder.path + "/missing.png") == nil)
        let junk = folder.path + "/junk.jpg"
        try ImageCodec.writePNG(PixelBuffer(width: 1, height: 1, channels: 1, samples: .uint8([0])), to: junk)
        truncate(junk, 20)
        #expect(ImageCodec.probe(fileAt: junk) == nil)
    }
}
