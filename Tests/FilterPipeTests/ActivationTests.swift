import Foundation
import Testing

@testable import FilterPipe

/// Element-wise activations against their textbook values.
@Suite struct ActivationTests {
    static let input: [Float] = [-2, -0.5, 0, 1, 3]

    @Test(arguments: [
        (Activation.relu, [0, 0, 0, 1, 3] as [Double]),
        (.abs, [2, 0.5, 0, 1, 3]),
        (.leakyReLU(slope: 0.1), [-0.2, -0.05, 0, 1, 3]),
        (.sigmoid, [0.11920292202211755, 0.3775406687981454, 0.5, 0.7310585786300049, 0.9525741268224334]),
        (.tanh, [-0.9640275800758169, -0.46211715726000974, 0, 0.7615941559557649, 0.9950547536867305]),
    ])
    func activationGivesTheTextbookValues(activation: Activation, expected: [Double]) throws {
        let pipeline = try Pipeline(spec: PipelineSpec(input: .gray, stages: [.activation(activation)]))
        let got = try pipeline.run(Tensor(shape: Shape(channels: 1, height: 1, width: 5), values: Self.input))
        for (value, want) in zip(got.values, expected) {
            #expect(Swift.abs(Double(value) - want) <= 1e-6, "\(activation.name): \(value) vs \(want)")
        }
    }
}
