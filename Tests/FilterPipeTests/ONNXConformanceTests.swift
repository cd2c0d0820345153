import Foundation
import Testing

@testable import FilterPipe

/// ONNX's own operator conformance cases (`../shared/models/onnx-node-tests`, from the onnx wheel):
/// each model run through the library on its `input_*.pb` must give its `output_*.pb` within the
/// tolerance ONNX's backend test runner uses (numpy's assert_allclose, rtol 1e-3, atol 1e-7).
@Suite struct ONNXConformanceTests {
    static let rtol: Float = 1e-3
    static let atol: Float = 1e-7

    /// The serialized tensors `prefix_0.pb`, `prefix_1.pb`, … of a test data set, in order.
    static func tensors(_ prefix: String, in folder: URL) throws -> [GraphTensor] {
        var result: [GraphTensor] = []
        while true {
            let file = folder.appendingPathComponent("\(prefix)_\(result.count).pb")
            guard let data = FileManager.default.contents(atPath: file.path) else { return result }
            result.append(try ONNXModel.tensor(serialized: data, file: file.path))
        }
    }

    @Test(
        "A conformance case's outputs match ONNX's reference outputs",
        .enabled(if: SharedModels.isAvailable), arguments: SharedModels.conformanceCases)
    func conformanceCaseMatchesReference(_ name: String) throws {
        let folder = SharedModels.root.appendingPathComponent("onnx-node-tests/\(name)")
        let pipeline = try Pipeline(onnx: folder.appendingPathComponent("model.onnx"))
        let data = folder.appendingPathComponent("test_data_set_0")
        let inputs = try Self.tensors("input", in: data)
        let expected = try Self.tensors("output", in: data)
        #expect(!inputs.isEmpty && !expected.isEmpty)
        let outputs = try pipeline.runGraph(inputs, executor: Executor(workers: 2))
        try #require(outputs.count == expected.count)
        for (index, (output, want)) in zip(outputs, expected).enumerated() {
            try #require(output.dims == want.dims, "output \(index): dims \(output.dims), expected \(want.dims)")
            var worst: (index: Int, error: Float) = (0, 0)
            for i in want.values.indices {
                let nanMismatch = output.values[i].isNaN != want.values[i].isNaN
                let error = abs(output.values[i] - want.values[i])
                let excess = nanMismatch ? Float.infinity : error - (Self.atol + Self.rtol * abs(want.values[i]))
                if excess > worst.error { worst = (i, excess) }
            }
            #expect(
                worst.error <= 0,
                "output \(index) at \(worst.index): \(output.values[worst.index]), expected \(want.values[worst.index])")
        }
    }

    @Test("All 88 conformance cases are present", .enabled(if: SharedModels.isAvailable))
    func everyCaseIsPresent() {
        #expect(SharedModels.conformanceCases.count == 88)
    }
}
