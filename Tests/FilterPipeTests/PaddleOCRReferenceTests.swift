import Foundation
import Testing

@testable import FilterPipe

/// The PaddleOCR models (`../shared/models/ppocr`) against onnxruntime: every node's output, up to the
/// classifier's last conv and the detector's final Sigmoid, within 1e-4 of that tensor's max |value|.
/// The reference is made by `scripts/ppocr-reference.py` (needs onnxruntime, so not in CI) into
/// `$FILTERPIPE_PPOCR_REFERENCE/{cls,det}`; the test is skipped without it.
@Suite struct PaddleOCRReferenceTests {
    static let referenceRoot = ProcessInfo.processInfo.environment["FILTERPIPE_PPOCR_REFERENCE"]

    static func floats(_ path: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { bytes in
            (0..<data.count / 4).map {
                Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }

    /// The reference folder of `name`, its index rows (index, tensor, op, dims), its input, and the
    /// model run to `until`.
    static func reference(_ name: String, _ model: String, _ until: String) throws -> (
        folder: String, index: [[String]], input: GraphTensor, pipeline: Pipeline
    ) {
        let folder = "\(referenceRoot!)/\(name)"
        let index = try String(contentsOfFile: "\(folder)/index.tsv", encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: "\t").map(String.init)
        }
        let inputDims = index[0][3].split(separator: "x").map { Int($0)! }
        let input = GraphTensor(dims: inputDims, values: try floats("\(folder)/input.bin"))
        let pipeline = try Pipeline(onnx: URL(fileURLWithPath: SharedModels.path("ppocr/\(model)")), until: until)
        return (folder, index, input, pipeline)
    }

    @Test(
        "Every PaddleOCR node's output agrees with onnxruntime within 1e-4 of its max |value|",
        .enabled(if: SharedModels.isAvailable && referenceRoot != nil),
        arguments: [
            ("cls", "ch_ppocr_mobile_v2.0_cls_infer.onnx", "conv2d_94.tmp_0"),
            ("det", "ch_PP-OCRv4_det_infer.onnx", "sigmoid_0.tmp_0"),
        ])
    func nodeOutputsAgreeWithOnnxruntime(_ name: String, _ model: String, _ until: String) throws {
        let (folder, index, input, pipeline) = try Self.reference(name, model, until)
        var byName: [String: (file: String, dims: [Int])] = [:]
        for row in index.dropFirst() {
            byName[row[1]] = ("\(folder)/\(row[0]).bin", row[3].split(separator: "x").map { Int($0)! })
        }
        var compared = 0
        var worst: (name: String, relative: Float) = ("", 0)
        var failures: [String] = []
        var final: GraphTensor?
        _ = try pipeline.runGraph([input], executor: Executor(workers: 2)) { node, value in
            guard let tensor = node.tensorName, let reference = byName[tensor] else { return }
            if tensor == until { final = value }
            guard value.dims == reference.dims, let want = try? Self.floats(reference.file) else {
                failures.append("\(tensor): dims \(value.dims), onnxruntime \(reference.dims)")
                return
            }
            let scale = max(want.map(abs).max() ?? 0, .leastNormalMagnitude)
            var largest: Float = 0
            for i in want.indices { largest = max(largest, abs(value.values[i] - want[i])) }
            let relative = largest / scale
            if relative > worst.relative { worst = (tensor, relative) }
            if !(relative <= 1e-4) { failures.append("\(tensor) (\(node.keyword)): error \(relative) of max |value|") }
            compared += 1
        }
        print("ppocr \(name): \(compared) node outputs compared, worst \(worst.name) at \(worst.relative) of its max |value|")
        #expect(compared > 20)
        // FILTERPIPE_PPOCR_MAP=FILE.png: filterpipe's detector probability map as a picture (README).
        if name == "det", let file = ProcessInfo.processInfo.environment["FILTERPIPE_PPOCR_MAP"], let final {
            let samples = final.values.map { UInt8((min(max($0, 0), 1) * 255).rounded()) }
            let pixels = PixelBuffer(width: final.dims[3], height: final.dims[2], channels: 1, samples: .uint8(samples))
            try ImageCodec.writePNG(pixels, to: file, options: PNGWriteOptions(compressionLevel: 9))
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    @Test(
        "The fused run (element-wise chains in the convs' epilogues) gives onnxruntime's final tensor within 1e-4 of its max |value|",
        .enabled(if: SharedModels.isAvailable && referenceRoot != nil),
        arguments: [
            ("cls", "ch_ppocr_mobile_v2.0_cls_infer.onnx", "conv2d_94.tmp_0"),
            ("det", "ch_PP-OCRv4_det_infer.onnx", "sigmoid_0.tmp_0"),
        ])
    func fusedRunAgreesWithOnnxruntime(_ name: String, _ model: String, _ until: String) throws {
        let (folder, index, input, pipeline) = try Self.reference(name, model, until)
        let row = try #require(index.dropFirst().first { $0[1] == until })
        let want = try Self.floats("\(folder)/\(row[0]).bin")
        let fused = try #require(pipeline.networkSchedule)
        let fusedSteps = fused.steps.filter { if case .node = $0 { false } else { true } }.count
        #expect(fusedSteps > 20, "the schedule fused \(fusedSteps) chains")
        let got = try pipeline.runGraph([input], executor: Executor(workers: 2))[0]
        #expect(got.dims == row[3].split(separator: "x").map { Int($0)! })
        let scale = max(want.map(abs).max() ?? 0, .leastNormalMagnitude)
        var largest: Float = 0
        for i in want.indices { largest = max(largest, abs(got.values[i] - want[i])) }
        #expect(largest / scale <= 1e-4, "error \(largest / scale) of max |value|")
    }
}
