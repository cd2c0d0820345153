import Testing

@testable import FilterPipe

/// A description and what the plan makes of it for an image size: every stage's C×H×W, or the
/// one located error line.
struct PlanCase: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var width: Int
    var height: Int
    var expected: Result
    enum Result: Sendable, Equatable {
        case shapes([Shape])
        case error(String)
    }
    var testDescription: String { name }
}

private func shape(_ c: Int, _ h: Int, _ w: Int) -> Shape { Shape(channels: c, height: h, width: w) }

// Shapes by hand from H' = ⌊(H + P_before + P_after − D·(K − 1) − 1) / S⌋ + 1 (pools: ⌊(H + 2P − K) / S⌋ + 1).
private let planCases: [PlanCase] = [
    PlanCase(
        name: "stride 2 pad 1", text: "input gray\nconv stride=2 pad=1\n  filter a = box size=3\n", width: 9, height: 7,
        expected: .shapes([shape(1, 4, 5)])),  // (7 + 2 − 3) / 2 + 1 = 4, (9 + 2 − 3) / 2 + 1 = 5
    PlanCase(
        name: "the docs' mixed pad=same bank",
        text:
            "input rgb\nconv pad=same\n  filter a = box size=3\n  filter b = box size=1\n  filter c = box size=5\nrelu\nmaxpool size=2\n",
        width: 9, height: 7, expected: .shapes([shape(3, 7, 9), shape(3, 7, 9), shape(3, 3, 4)])),
    PlanCase(
        name: "depthwise dilation 2",
        text: "input rgb\nconv depthwise dilation=2\n  filter a = box size=3\n  filter b = box size=3\n", width: 9,
        height: 7, expected: .shapes([shape(6, 3, 5)])),  // 3 channels × 2 filters; 7 − 4 = 3, 9 − 4 = 5
    PlanCase(
        name: "a mixed bank that cannot share at dilation 2",
        text: "input gray\nconv pad=same dilation=2\n  filter a = box size=3\n  filter b\n    1 1\n    1 1\n", width: 9,
        height: 7,
        expected: .error(
            "t.filter:4:3: layer 1 (conv): filter 'b' (2×2) cannot share pad=same with the bank's 3×3 kernels at dilation 2; give it a conv of its own"
        )),
    PlanCase(
        name: "an output emptied by a small image",
        text: "input gray\nconv\n  filter a = box size=3\nmaxpool size=3\n", width: 4, height: 4,
        expected: .error(
            "t.filter:4:1: layer 2 (maxpool): output would be empty for its 1×2×2 input (a 3×3 window with pad 0 needs at least 3×3)"
        )),
    PlanCase(
        name: "a stage deep in the file is named by its own line",
        text: "input gray\n\n# two convs\nconv pad=1\n  filter a = box size=3\nrelu\nconv stride=3\n  filter b = box size=5\n",
        width: 4, height: 4,  // pad 1 keeps 4×4; a 5×5 window does not fit in 4
        expected: .error(
            "t.filter:7:1: layer 3 (conv): output would be empty for its 1×4×4 input (a 5×5 kernel with dilation 1 and pad 0 needs at least 5×5)"
        )),
]

@Test(arguments: planCases)
func aDescriptionGivesItsShapesOrOneLocatedError(_ example: PlanCase) {
    let result: PlanCase.Result
    do throws(FilterPipeError) {
        let pipeline = try Pipeline(text: example.text, fileName: "t.filter")
        do throws(PipelineError) {
            let input = Shape(channels: pipeline.spec.input.channels, height: example.height, width: example.width)
            result = .shapes(try pipeline.plan.shapes(for: input))
        } catch {
            result = .error(error.located(in: "t.filter").description)
        }
    } catch {
        result = .error(error.description)
    }
    #expect(result == example.expected)
}

@Test func aFilterFilePlansAsAChainWithChannelsAndMapNamesPerNode() throws {
    let pipeline = try Pipeline(
        text:
            "input rgb\nconv pad=1\n  filter x = sobel_x\n  filter y = sobel_y\nrelu\nconv depthwise\n  filter s = box size=1\n",
        fileName: "t.filter")
    let nodes = pipeline.plan.nodes
    #expect(nodes.map(\.inputs) == [[], [0], [1], [2]])
    #expect(nodes.map(\.keyword) == ["input", "conv", "relu", "conv"])
    #expect(nodes.map(\.channels) == [3, 2, 2, 2])
    #expect(nodes.map(\.mapNames) == [["r", "g", "b"], ["x", "y"], ["x", "y"], ["c0-s", "c1-s"]])
    #expect(nodes.map(\.location?.line) == [nil, 2, 5, 6])
    guard case .conv(_, let rows, let columns) = nodes[1].operation else {
        Issue.record("node 1 is not a conv")
        return
    }
    #expect(rows == ConvGeometry(kernel: 3, stride: 1, dilation: 1, padBefore: 1, padAfter: 1) && rows == columns)
}
