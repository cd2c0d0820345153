// The spatial operators of a network graph (Conv, ConvTranspose, pools, Resize) on N×C×H×W graph
// values: each image of the batch as a CHW Tensor through onnx-ops' operators (docs/operators.md),
// with the pads resolved per input size by WindowAttributes.resolve (auto_pad included).

enum SpatialOperators {
    /// `operation` on `inputs`; a conv runs `epilogue` on its output rows, its planned operator kept
    /// in `cache` (a schedule and the conv's node) for the next image.
    static func compute(
        _ operation: NetworkOperation, _ inputs: [GraphTensor], outputDims: [Int], executor: Executor,
        epilogue: PointwiseProgram? = nil, cache: (schedule: NetworkSchedule, node: PipelinePlan.NodeID)? = nil
    ) throws(ShapeProblem) -> GraphTensor {
        let x = inputs[0]
        guard x.dims.count == 4 else {
            throw ShapeProblem("\(operation.opType) runs on N×C×H×W tensors (2 spatial axes), got \(x.shapeText)")
        }
        let batch = x.dims[0], shape = Shape(channels: x.dims[1], height: x.dims[2], width: x.dims[3])
        let run: (Tensor) throws(OperatorError) -> Tensor
        do throws(OperatorError) {
            switch operation {
            case .conv(let conv):
                let w = inputs[1]
                let window = conv.window.filled(rank: 2)
                var resolving = window
                resolving.kernel = Array(w.dims.dropFirst(2))
                let pads = try pads(resolving, shape)
                let make = { () throws(OperatorError) -> ConvolutionOperator in
                    try ConvolutionOperator(
                        weights: w.values, weightShape: w.dims, bias: conv.hasBias ? inputs[2].values : nil,
                        inputChannels: shape.channels, group: conv.group, strides: (window.strides[0], window.strides[1]),
                        dilations: (window.dilations[0], window.dilations[1]), pads: pads, activations: [],
                        epilogue: epilogue)
                }
                let op: ConvolutionOperator
                if let cache {
                    op = try cache.schedule.convolution(cache.node, channels: shape.channels, pads: pads, make: make)
                } else {
                    op = try make()
                }
                run = { (image: Tensor) throws(OperatorError) -> Tensor in try op.run(image, executor: executor) }
            case .convTranspose(let conv):
                let w = inputs[1]
                let window = conv.window.filled(rank: 2)
                let padding = conv.outputPadding.isEmpty ? [0, 0] : conv.outputPadding
                let op = try ConvTransposeOperator(
                    weights: w.values, weightShape: w.dims, bias: conv.hasBias ? inputs[2].values : nil, group: conv.group,
                    strides: (window.strides[0], window.strides[1]), dilations: (window.dilations[0], window.dilations[1]),
                    pads: ConvPads(top: window.pads[0], left: window.pads[1], bottom: window.pads[2], right: window.pads[3]),
                    outputPadding: (padding[0], padding[1]))
                run = { (image: Tensor) throws(OperatorError) -> Tensor in try op.run(image, executor: executor) }
            case .pool(let pool):
                let window = pool.window.filled(rank: 2)
                let pads = try pads(window, shape, ceilMode: pool.ceilMode)
                let op = PoolOperator(
                    kind: pool.kind, kernelHeight: window.kernel[0], kernelWidth: window.kernel[1],
                    strides: (window.strides[0], window.strides[1]), dilations: (window.dilations[0], window.dilations[1]),
                    pads: pads, ceilMode: pool.ceilMode, countIncludePad: pool.countIncludePad)
                run = { (image: Tensor) throws(OperatorError) -> Tensor in try op.run(image, executor: executor) }
            case .globalPool(let kind):
                run = { (image: Tensor) throws(OperatorError) -> Tensor in TensorOperators.globalPool(kind, image) }
            case .resize(let attributes, _, _):
                guard outputDims[0] == x.dims[0], outputDims[1] == x.dims[1] else {
                    throw OperatorError("Resize scales only the spatial axes here, not N or C")
                }
                let op = ResizeOperator(
                    mode: attributes.mode == .nearest ? .nearest : .linear,
                    coordinateTransformation: ResizeOperator.CoordinateTransformation(
                        rawValue: attributes.coordinateTransformation) ?? .halfPixel,
                    nearestMode: ResizeOperator.NearestMode(rawValue: attributes.nearestMode) ?? .roundPreferFloor)
                if case .resize(_, true, false) = operation {
                    let scales = inputs[1].values
                    run = { (image: Tensor) throws(OperatorError) -> Tensor in
                        try op.run(image, scales: (scales[2], scales[3]), executor: executor)
                    }
                } else {
                    run = { (image: Tensor) throws(OperatorError) -> Tensor in
                        try op.run(image, height: outputDims[2], width: outputDims[3], executor: executor)
                    }
                }
            default:
                preconditionFailure("not a spatial operator: \(operation.opType)")
            }
            var values: [Float] = []
            let plane = shape.count
            if batch == 1 {
                // The image's values as they are: no copy in, none out.
                values = try run(Tensor(shape: shape, values: x.values)).values
            } else {
                values.reserveCapacity(outputDims.reduce(1, *))
            }
            for n in 0..<(batch == 1 ? 0 : batch) {
                let image = Tensor(shape: shape, values: Array(x.values[n * plane..<(n + 1) * plane]))
                values.append(contentsOf: try run(image).values)
            }
            guard values.count == outputDims.reduce(1, *) else {
                throw OperatorError(
                    "made \(values.count) values, the plan's \(GraphTensor.describe(outputDims)) output needs \(outputDims.reduce(1, *))"
                )
            }
            return GraphTensor(dims: outputDims, values: values)
        } catch {
            throw ShapeProblem(error.message)
        }
    }

    /// The pads of a 2-D window for `shape` (auto_pad resolved).
    private static func pads(_ window: WindowAttributes, _ shape: Shape, ceilMode: Bool = false) throws(OperatorError) -> ConvPads
    {
        guard let axes = window.resolve([shape.height, shape.width], ceilMode: ceilMode) else {
            throw OperatorError("output would be empty for a \(shape.height)×\(shape.width) input")
        }
        return ConvPads(top: axes[0].begin, left: axes[1].begin, bottom: axes[0].end, right: axes[1].end)
    }
}
