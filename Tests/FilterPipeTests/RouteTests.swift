import Testing

@testable import FilterPipe

/// One row of the route table: options, and the route the docs give them (docs/batch.md, streaming).
struct RouteCase: Sendable, CustomTestStringConvertible {
    var kind: OutputSpec.Kind
    var normalization: OutputSpec.Normalization?
    var format: BatchOptions.Format = .png
    var depth = 8
    var montage = false
    var stages = false
    var expected: Route
    var testDescription: String {
        "\(kind) \(normalization.map(\.rawValue) ?? "default") \(format) \(depth)-bit montage=\(montage) stages=\(stages)"
    }
}

private let routeCases: [RouteCase] = [
    RouteCase(kind: .image, normalization: .clamp, expected: .streamingBands),
    RouteCase(kind: .image, normalization: nil, expected: .streamingBands),  // an image clamps by default
    RouteCase(kind: .image, normalization: .minmax, expected: .wholeTensors(keepingEveryStage: false)),
    RouteCase(kind: .image, normalization: .clamp, depth: 16, expected: .wholeTensors(keepingEveryStage: false)),
    RouteCase(kind: .image, normalization: .clamp, format: .npy, expected: .wholeTensors(keepingEveryStage: false)),
    RouteCase(kind: .image, normalization: .clamp, montage: true, expected: .wholeTensors(keepingEveryStage: false)),
    RouteCase(kind: .image, normalization: .clamp, stages: true, expected: .wholeTensors(keepingEveryStage: true)),
    RouteCase(kind: .maps, normalization: .clamp, expected: .wholeTensors(keepingEveryStage: false)),
    RouteCase(kind: .montage, normalization: .clamp, stages: true, expected: .wholeTensors(keepingEveryStage: true)),
]

@Test(arguments: routeCases)
func theRouteIsDecidedFromThePlanAndTheOptions(_ example: RouteCase) throws {
    let conv = ConvSpec(filters: [FilterSpec(name: "a", channels: [Matrix(rows: 1, columns: 1, values: [1])])])
    let plan = try PipelinePlan(spec: PipelineSpec(input: .gray, stages: [.conv(conv), .activation(.relu)]))
    var options = BatchOptions()
    options.output = OutputSpec(kind: example.kind, normalization: example.normalization)
    options.format = example.format
    options.depth = example.depth
    options.montage = example.montage
    options.stages = example.stages
    #expect(Route.decide(plan: plan, options: options) == example.expected)
}

@Test func aSixteenBitImageOnTheStreamingRouteIsEstimatedWhole() {
    // 16-bit files decode whole even when the run streams, so their footprint is the tensors'.
    #expect(Route.streamingBands.memoryRoute(bitDepth: 8) == .bands)
    #expect(Route.streamingBands.memoryRoute(bitDepth: 16) == .wholeTensors(keepingEveryStage: false))
    #expect(Route.wholeTensors(keepingEveryStage: true).memoryRoute(bitDepth: 8) == .wholeTensors(keepingEveryStage: true))
}
