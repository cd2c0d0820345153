// The spatial operators of a network graph (Conv, ConvTranspose, pools, Resize) on N×C×H×W graph
// values: each image of the batch as a CHW Tensor through the operator stages of Stages/.

enum SpatialOperators {
    static func compute(
        _ operation: NetworkOperation, _ inputs: [GraphTensor], outputDims: [Int], executor: Executor
    ) throws(ShapeProblem) -> GraphTensor {
        throw ShapeProblem("\(operation.opType) has no compute on this branch yet")
    }
}
