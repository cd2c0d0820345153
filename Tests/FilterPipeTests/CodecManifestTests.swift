import Foundation
import Testing

@testable import FilterPipe

/// Every file of the shared corpus, by its MANIFEST.tsv verdict.
@Suite struct CodecManifestTests {
    static let rows = SharedTestData.manifest

    /// Files whose only fault is a bad CRC on an ancillary chunk: pypng and Pillow reject them,
    /// but filterpipe follows libpng (warn and drop the chunk), so they must decode
    /// (png-bad/README.md).
    static let ancillaryCRCOnly: Set<String> = ["png-bad/cicp_pq.png", "png-bad/issue_430.png"]

    @Test(
        "each MANIFEST file decodes or fails as its verdict says, without crashing",
        .enabled(if: SharedTestData.isAvailable), arguments: rows)
    func manifestVerdictHolds(row: SharedTestData.ManifestRow) {
        let result: Result<PixelBuffer, ImageIOError>
        do {
            result = .success(try ImageCodec.decode(fileAt: SharedTestData.path(row.path)))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let image):
            #expect(!row.isUnsupported, "\(row.path) is UNSUPPORTED but decoded")
            #expect(
                row.isValid || row.isDisagreement || Self.ancillaryCRCOnly.contains(row.path),
                "\(row.path) is invalid but decoded")
            // PNG and un-rotated JPEG dimensions are the declared ones; EXIF may swap them.
            if let width = row.width, let height = row.height {
                #expect((image.width, image.height) == (width, height) || (image.width, image.height) == (height, width))
            }
        case .failure(let error):
            #expect(!error.message.isEmpty)
            #expect(!Self.ancillaryCRCOnly.contains(row.path), "\(row.path): an ancillary CRC error must not fail: \(error)")
            let mayFail = !row.isValid || row.isDisagreement || row.isUnsupported
            #expect(mayFail, "\(row.path) is valid but failed: \(error)")
            if row.isUnsupported { #expect(error.code == .unsupported, "\(row.path): \(error)") }
        }
    }

    @Test("MANIFEST outcome counts", .enabled(if: SharedTestData.isAvailable))
    func manifestOutcomeCounts() {
        var outcome: [String: Int] = [:]
        for row in Self.rows {
            let decoded = (try? ImageCodec.decode(fileAt: SharedTestData.path(row.path))) != nil
            let kind =
                row.isUnsupported
                ? "unsupported"
                : row.isDisagreement
                    ? "disagree"
                    : Self.ancillaryCRCOnly.contains(row.path) ? "ancillary-crc" : row.expect
            outcome["\(kind) \(decoded ? "decoded" : "rejected")", default: 0] += 1
        }
        print("MANIFEST outcomes: \(outcome.sorted { $0.key < $1.key })")
        #expect(outcome["valid rejected", default: 0] == 0)
        #expect(outcome["invalid decoded", default: 0] == 0)
        #expect(outcome["unsupported decoded", default: 0] == 0)
        #expect(outcome["ancillary-crc decoded", default: 0] == 2)
    }
}
