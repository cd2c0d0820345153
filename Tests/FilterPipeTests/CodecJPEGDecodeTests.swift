import Testing

@testable import FilterPipe

/// JPEG decoding checked against djpeg / Pillow (Fixtures/jpeg-reference.tsv) and the EXIF set.
@Suite struct CodecJPEGDecodeTests {
    static let references = CodecTestSupport.references("jpeg-reference.tsv")

    @Test(
        "decoded JPEG equals djpeg's output (EXIF-rotated in Python; Pillow's for CMYK/YCCK)",
        .enabled(if: SharedTestData.isAvailable), arguments: references)
    func decodedSamplesMatchReference(reference: CodecTestSupport.ReferenceDecode) throws {
        let image = try ImageCodec.decode(fileAt: SharedTestData.path(reference.path))
        #expect(image.width == reference.width)
        #expect(image.height == reference.height)
        #expect(image.channels == reference.channels)
        // djpeg links the same libjpeg-turbo with the same defaults: identical samples.
        // Pillow (CMYK rows) bundles libjpeg-turbo 3.x: allow a small difference in the means.
        if reference.path.contains("cmyk") {
            for (mean, expected) in zip(CodecTestSupport.channelMeans(image), reference.means) {
                #expect(abs(mean - expected) < 0.5, "\(reference.path): mean \(mean) vs \(expected)")
            }
        } else {
            #expect(CodecTestSupport.fnv1a(image.samples) == reference.hash)
        }
    }

    static let orientationFiles = (0...8).flatMap { ["Landscape_\($0).jpg", "Portrait_\($0).jpg"] }

    @Test(
        "EXIF orientations 0–8 all decode to the same upright image as orientation 1",
        .enabled(if: SharedTestData.isAvailable), arguments: orientationFiles)
    func exifOrientationIsApplied(file: String) throws {
        let kind = file.hasPrefix("Landscape") ? "Landscape" : "Portrait"
        let upright = try ImageCodec.decode(fileAt: SharedTestData.path("jpeg/exif-orientation/\(kind)_1.jpg"))
        let image = try ImageCodec.decode(fileAt: SharedTestData.path("jpeg/exif-orientation/\(file)"))
        #expect(image.width == upright.width && image.height == upright.height)
        guard image.width == upright.width, image.height == upright.height else { return }
        guard case .uint8(let a) = image.samples, case .uint8(let b) = upright.samples else { return }
        let difference = CodecTestSupport.meanAbsoluteDifference(a, b)
        // Re-encoded rotations differ only by JPEG noise (measured ≤ 3.7); a wrong flip of
        // these photos differs by tens of levels.
        #expect(difference < 5, "\(file): mean |Δ| = \(difference)")
    }

    @Test(
        "12-bit, lossless and other unsupported JPEG processes fail cleanly with .unsupported",
        .enabled(if: SharedTestData.isAvailable))
    func unsupportedProcessesFailCleanly() {
        let rows = SharedTestData.manifest.filter(\.isUnsupported)
        #expect(rows.count > 100)
        var codes: [ImageIOError.Code: Int] = [:]
        for row in rows {
            do {
                _ = try ImageCodec.decode(fileAt: SharedTestData.path(row.path))
                Issue.record("\(row.path) decoded")
            } catch {
                codes[error.code, default: 0] += 1
            }
        }
        #expect(codes[.unsupported, default: 0] == rows.count, "codes: \(codes)")
    }

    @Test("a truncated JPEG fails as .truncated, not with a partial image", .enabled(if: SharedTestData.isAvailable))
    func truncatedJPEGFails() throws {
        let bytes = CodecTestSupport.readFile(SharedTestData.path("photos/rocket.jpg"))
        #expect(throws: ImageIOError.self) { _ = try ImageCodec.decode(Array(bytes.prefix(bytes.count / 2))) }
        do {
            _ = try ImageCodec.decode(Array(bytes.prefix(bytes.count / 2)))
        } catch {
            #expect(error.code == .truncated)
        }
    }

    @Test("progressive JPEGs: 704 scans decode, 2112 scans are refused by the 1000-scan cap")
    func scanCountIsCapped() throws {
        let fixtures = CodecTestSupport.fixtures.path
        let gray = try ImageCodec.decode(fileAt: fixtures + "/many-scans-gray.jpg")
        #expect(gray.width == 8 && gray.height == 8 && gray.channels == 1)
        do {
            _ = try ImageCodec.decode(fileAt: fixtures + "/many-scans-rgb.jpg")
            Issue.record("a 2112-scan JPEG decoded")
        } catch {
            #expect(error.code == .corrupt)
            #expect(error.message.contains("1000"))
        }
    }
}
