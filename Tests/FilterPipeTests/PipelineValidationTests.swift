import Testing

@testable import FilterPipe

/// What `Pipeline` refuses, and the names and shapes it reports.
@Suite struct PipelineValidationTests {
    static func matrix(_ rows: Int, _ columns: Int) -> Matrix {
        Matrix(rows: rows, columns: columns, values: [Float](repeating: 1, count: rows * columns))
    }

    static func message(_ spec: PipelineSpec) -> String? {
        do { _ = try Pipeline(spec: spec); return nil } catch { return error.message }
    }

    @Test func perChannelFiltersMustHaveOneMatrixPerInputChannel() {
        let conv = ConvSpec(filters: [FilterSpec(name: "edge", channels: [Self.matrix(3, 3), Self.matrix(3, 3)])])
        #expect(
            Self.message(PipelineSpec(input: .rgb, stages: [.conv(conv)]))
                == "layer 1 (conv): filter 'edge' has 2 channel matrices but the input has 3 channels (input rgb)")
    }

    @Test func kernelsWithinABankMustHaveEqualSizes() {
        let conv = ConvSpec(filters: [
            FilterSpec(name: "a", channels: [Self.matrix(3, 3)]),
            FilterSpec(name: "b", channels: [Self.matrix(5, 5)]),
        ])
        #expect(
            Self.message(PipelineSpec(input: .gray, stages: [.conv(conv)]))
                == "layer 1 (conv): filter 'b' is 5×5 but filter 'a' of this bank is 3×3 (all filters of a bank have the same size unless it has pad=same)"
        )
    }

    @Test func strideDilationAndSamePaddingAreChecked() {
        let filters = [FilterSpec(name: "a", channels: [Self.matrix(3, 3)])]
        #expect(
            Self.message(PipelineSpec(input: .gray, stages: [.conv(ConvSpec(filters: filters, stride: 0))]))
                == "layer 1 (conv): stride must be at least 1")
        #expect(
            Self.message(PipelineSpec(input: .gray, stages: [.conv(ConvSpec(filters: filters, dilation: 0))]))
                == "layer 1 (conv): dilation must be at least 1")
        #expect(
            Self.message(PipelineSpec(input: .gray, stages: [.conv(ConvSpec(filters: filters, stride: 2, padding: .same))]))
                == "layer 1 (conv): pad=same needs stride 1, not stride=2 (with a larger stride the output cannot keep the input size)"
        )
        #expect(
            Self.message(PipelineSpec(input: .gray, stages: [.pool(PoolSpec(kind: .max, size: 2, pad: 2))]))
                == "layer 1 (maxpool): pad 2 must be between 0 and half the size (1)")
    }

    @Test func emptyLayerOutputNamesTheLayerAndItsInputSize() throws {
        let conv = ConvSpec(filters: [FilterSpec(name: "a", channels: [Self.matrix(3, 3)])])
        let pipeline = try Pipeline(
            spec: PipelineSpec(
                input: .gray,
                stages: [
                    .conv(conv), .activation(.relu), .pool(PoolSpec(kind: .max, size: 3)),
                ]))
        let input = Shape(channels: 1, height: 4, width: 4)
        #expect(
            throws: PipelineError(
                "layer 3 (maxpool): output would be empty for its 1×2×2 input (a 3×3 window with pad 0 needs at least 3×3)")
        ) {
            try pipeline.outputShape(for: input)
        }
        #expect(
            throws: PipelineError(
                "layer 3 (maxpool): output would be empty for its 1×2×2 input (a 3×3 window with pad 0 needs at least 3×3)")
        ) {
            try pipeline.run(Tensor(shape: input))
        }
        #expect(
            throws: PipelineError(
                "layer 1 (conv): output would be empty for its 1×1×2 input (a 3×3 kernel with dilation 1 and pad 0 needs at least 3×3)"
            )
        ) {
            try pipeline.outputShape(for: Shape(channels: 1, height: 1, width: 2))
        }
        #expect(
            try pipeline.outputShape(for: Shape(channels: 1, height: 8, width: 11)) == Shape(channels: 1, height: 2, width: 3))
    }

    @Test func inputWithTheWrongChannelCountIsRejected() throws {
        let pipeline = try Pipeline(spec: PipelineSpec(input: .rgb, stages: [.activation(.relu)]))
        #expect(throws: PipelineError("the pipeline expects 3 input channels, got 1")) {
            try pipeline.run(Tensor(shape: Shape(channels: 1, height: 2, width: 2)))
        }
    }

    @Test func mapNamesAreFilterNamesAfterAConvAndChannelNamesWithout() throws {
        let bank = ConvSpec(filters: [
            FilterSpec(name: "sobel_x", channels: [Self.matrix(3, 3)]),
            FilterSpec(name: "sobel_y", channels: [Self.matrix(3, 3)]),
        ])
        #expect(
            try Pipeline(spec: PipelineSpec(input: .rgb, stages: [.conv(bank), .activation(.relu)]))
                .mapNames(inputChannels: 3) == ["sobel_x", "sobel_y"])
        let none = try Pipeline(spec: PipelineSpec(input: .rgb, stages: [.pool(PoolSpec(kind: .max, size: 2))]))
        #expect(none.mapNames(inputChannels: 3) == ["r", "g", "b"])
        #expect(none.mapNames(inputChannels: 1) == ["gray"])
        #expect(none.mapNames(inputChannels: 4) == ["r", "g", "b", "a"])
    }

    @Test func runAllStagesReturnsOneTensorPerStage() throws {
        let conv = ConvSpec(filters: [FilterSpec(name: "a", channels: [Self.matrix(3, 3)])], padding: .same)
        let pipeline = try Pipeline(
            spec: PipelineSpec(
                input: .gray,
                stages: [
                    .conv(conv), .activation(.tanh), .pool(PoolSpec(kind: .average, size: 2)),
                ]))
        let shapes = try pipeline.runAllStages(Tensor(shape: Shape(channels: 1, height: 6, width: 6), repeating: 1)).map(\.shape)
        #expect(
            shapes == [
                Shape(channels: 1, height: 6, width: 6), Shape(channels: 1, height: 6, width: 6),
                Shape(channels: 1, height: 3, width: 3),
            ])
    }
}
