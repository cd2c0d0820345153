// SKELETON: signatures agreed between the parts; the engine work replaces the bodies.

/// A filter pipeline ready to run: the parsed description turned into stages.
public struct Pipeline: Sendable {
    /// What the filter file said.
    public let spec: PipelineSpec

    /// Validates `spec` (kernel shapes, channel counts) and prepares its stages.
    public init(spec: PipelineSpec) throws(PipelineError) {
        self.spec = spec
        fatalError("not yet implemented")
    }

    /// The final tensor's shape for an input of `input`; throws if some layer's output would be empty.
    public func outputShape(for input: Shape) throws(PipelineError) -> Shape {
        fatalError("not yet implemented")
    }

    /// Names of the final maps, one per output channel (filter names; input channel names if no conv).
    public func mapNames(inputChannels: Int) -> [String] {
        fatalError("not yet implemented")
    }

    /// Runs every stage on `input` and returns the final tensor.
    public func run(_ input: Tensor, executor: Executor = Executor()) throws(PipelineError) -> Tensor {
        fatalError("not yet implemented")
    }

    /// Runs every stage and returns the output of each (index i: after stage i), for `--stages`.
    public func runAllStages(_ input: Tensor, executor: Executor = Executor()) throws(PipelineError) -> [Tensor] {
        fatalError("not yet implemented")
    }
}
