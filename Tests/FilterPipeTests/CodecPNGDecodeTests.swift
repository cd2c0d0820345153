import Testing

@testable import FilterPipe

/// PNG decoding checked against pypng (Fixtures/png-reference.tsv) and PngSuite's broken files.
@Suite struct CodecPNGDecodeTests {
    static let references = CodecTestSupport.references("png-reference.tsv")

    @Test(
        "decoded PNG samples equal pypng's reference decode",
        .enabled(if: SharedTestData.isAvailable), arguments: references)
    func decodedSamplesMatchPypng(reference: CodecTestSupport.ReferenceDecode) throws {
        let image = try ImageCodec.decode(fileAt: SharedTestData.path(reference.path))
        #expect(image.width == reference.width)
        #expect(image.height == reference.height)
        #expect(image.channels == reference.channels)
        #expect(image.bitDepth == reference.bitDepth)
        #expect(CodecTestSupport.fnv1a(image.samples) == reference.hash)
    }

    @Test("every valid PngSuite file is covered by the reference and decodes", .enabled(if: SharedTestData.isAvailable))
    func everyValidPngSuiteFileDecodes() throws {
        let suite = SharedTestData.manifest.filter { $0.path.hasPrefix("pngsuite/") && $0.format == "png" }
        let valid = suite.filter { !($0.path.split(separator: "/").last!.hasPrefix("x")) }
        #expect(valid.count == 162)
        let referenced = Set(Self.references.map(\.path))
        for row in valid {
            #expect(referenced.contains(row.path), "\(row.path) has no reference decode")
            _ = try ImageCodec.decode(fileAt: SharedTestData.path(row.path))
        }
    }

    @Test("every deliberately broken PngSuite x* file is rejected with a clear error", .enabled(if: SharedTestData.isAvailable))
    func brokenPngSuiteFilesAreRejected() {
        let broken = SharedTestData.manifest.filter {
            $0.path.hasPrefix("pngsuite/") && $0.path.split(separator: "/").last!.hasPrefix("x")
        }
        #expect(broken.count == 14)
        var rejected = 0
        for row in broken {
            do {
                _ = try ImageCodec.decode(fileAt: SharedTestData.path(row.path))
                Issue.record("\(row.path) decoded")
            } catch {
                #expect(!error.message.isEmpty)
                #expect(error.path == SharedTestData.path(row.path))
                rejected += 1
            }
        }
        #expect(rejected == 14)
    }

    @Test("16-bit PNG keeps more than 256 distinct gray levels (not reduced to 8 bits)", .enabled(if: SharedTestData.isAvailable))
    func sixteenBitIsKept() throws {
        let image = try ImageCodec.decode(fileAt: SharedTestData.path("pngsuite/basn0g16.png"))
        guard case .uint16(let samples) = image.samples else { Issue.record("not 16-bit"); return }
        // basn0g16 is a 16-bit gray ramp: more distinct values than 8 bits can hold.
        #expect(Set(samples).count > 256)
    }

    @Test("palette with tRNS decodes to RGBA; 1-bit gray scales to 0/255", .enabled(if: SharedTestData.isAvailable))
    func paletteTransparencyAndGrayScaling() throws {
        let palette = try ImageCodec.decode(fileAt: SharedTestData.path("pngsuite/tbbn3p08.png"))
        #expect(palette.channels == 4)
        let gray = try ImageCodec.decode(fileAt: SharedTestData.path("pngsuite/basn0g01.png"))
        #expect(gray.channels == 1)
        #expect(Set(CodecTestSupport.values(gray.samples)) == [0, 255])
    }
}
