// One random pipeline and its input, for the sweep tests.
@testable import FilterPipe

struct RandomCase: CustomStringConvertible {
    var spec: PipelineSpec
    var input: Tensor
    var description: String { "\(input.shape) \(spec.stages)" }
}
