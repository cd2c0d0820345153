// What every stage allocates for an input size, from the shapes alone, with every product and sum
// overflow-checked (a filter file and a header are untrusted: `pad=100000` on a 1×1 image asks for
// 160 GB, `--size 9999999999x9999999999` for more than 64 bits can count).
//   output tensor   4 · C'·H'·W'
//   conv scratch    4 · slots · (R + D·(K_h − 1)) · rowStride per tile (PaddedInput), where
//                   slots = C + 1 (dense; + the channel sum) or min(C, max(1, 64 / F)) (depthwise),
//                   R = the tile's input rows: max(1, min(S·H', 512 KiB / (4·C·W))) (the rule of Stage.rowBand),
//                   rowStride = ConvGeometry.inputLength of ⌈W' / 64⌉·64 (stride 1) or of W' columns
//   fused band      4 · min(C', 64) · (max(1, 128 Ki / (min(C', 64)·W'·S_pool)) + K_pool) · W'
//                   (a conv fused with the pool after it keeps a band of its rows, FusedConvStage)
// A route then adds up what is alive at once (`peak`). An estimate to budget with, not a bound.

/// Products and sums of sizes that report overflow instead of trapping.
enum CheckedSize {
    /// The product, or nil when it does not fit in an `Int`.
    static func product(_ factors: Int...) -> Int? { product(factors) }

    static func product(_ factors: [Int]) -> Int? {
        var result = 1
        for factor in factors {
            let (value, overflow) = result.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            result = value
        }
        return result
    }

    /// The sum, or nil when it does not fit in an `Int`.
    static func sum(_ terms: Int...) -> Int? { sum(terms) }

    static func sum(_ terms: [Int]) -> Int? {
        var result = 0
        for term in terms {
            let (value, overflow) = result.addingReportingOverflow(term)
            if overflow { return nil }
            result = value
        }
        return result
    }
}

extension Shape {
    /// The longest side any level may have: far beyond any image, small enough that the shape
    /// arithmetic of one more stage (a side plus paddings of at most 10⁶ and a dilated kernel) cannot overflow.
    public static let largestSide = 1 << 40

    /// `channels · height · width`, or nil when it does not fit in an `Int`.
    public var checkedCount: Int? { CheckedSize.product(channels, height, width) }
}

/// The memory one stage of a pipeline allocates for a given input, from its shapes.
public struct LayerMemory: Sendable, Equatable {
    /// 1-based position in the pipeline, as `check` numbers stages.
    public var index: Int
    /// The stage keyword: conv, relu, maxpool, ...
    public var kind: String
    public var inputShape: Shape
    public var outputShape: Shape
    /// The output tensor: 4 bytes a value.
    public var outputBytes: Int
    /// Scratch memory of one tile while it is computed (a conv's padded input band; 0 for others).
    public var scratchBytes: Int
    /// Tiles of the whole-tensor route (at most this many scratch bands are in use at once).
    public var tiles: Int = 1
    /// Output rows the streaming route holds of this stage's output per band, for `rows` output rows of the
    /// stage after it: its input rows for those, within the image.
    let inputRowsForOutputRows: @Sendable (Int) -> Int

    /// "layer 2 (conv)".
    public var name: String { "layer \(index) (\(kind))" }

    public static func == (a: LayerMemory, b: LayerMemory) -> Bool {
        a.index == b.index && a.kind == b.kind && a.inputShape == b.inputShape && a.outputShape == b.outputShape
            && a.outputBytes == b.outputBytes && a.scratchBytes == b.scratchBytes && a.tiles == b.tiles
    }
}

/// Every stage's shapes and bytes for an input size (see the formulas at the top of the file);
/// building it is the check that all of them are addressable.
public struct MemoryEstimate: Sendable, Equatable {
    /// How an image is run, which decides what is alive at once.
    public enum Route: Sendable, Equatable {
        /// Whole tensors, one step at a time (`Pipeline.run`); every stage's output kept with `keepingEveryStage`
        /// (`runAllStages`, `--stages`).
        case wholeTensors(keepingEveryStage: Bool)
        /// Bands of rows through every step (`BandedPipelineRun`).
        case bands
    }

    public let inputShape: Shape
    /// The input tensor: 4 bytes a value.
    public let inputBytes: Int
    public let layers: [LayerMemory]

    /// The output shape of the last stage (the input's when there are none).
    public var outputShape: Shape { layers.last?.outputShape ?? inputShape }

    /// Follows `spec` through an input of `inputShape`; throws naming the first stage whose output
    /// would be empty, or whose sizes do not fit in 64 bits.
    public init(spec: PipelineSpec, input inputShape: Shape) throws(PipelineError) {
        try self.init(plan: PipelinePlan(spec: spec), input: inputShape)
    }

    /// Follows `plan` through an input of `inputShape` (its shapes: `PipelinePlan.shapes(for:)`).
    init(plan: PipelinePlan, input inputShape: Shape) throws(PipelineError) {
        if plan.isNetwork {
            self = try MemoryEstimate(network: plan, input: inputShape)
            return
        }
        networkPeaks = nil
        let spec = plan.spec
        guard !inputShape.isEmpty else { throw PipelineError("the input is empty (\(inputShape))") }
        guard inputShape.width <= Shape.largestSide, inputShape.height <= Shape.largestSide,
            let inputBytes = inputShape.checkedCount.flatMap({ CheckedSize.product($0, 4) })
        else {
            throw PipelineError("the input \(inputShape) is too large (its byte count does not fit in 64 bits)")
        }
        self.inputShape = inputShape
        self.inputBytes = inputBytes
        let shapes = try plan.shapes(for: inputShape)
        var shape = inputShape
        var layers: [LayerMemory] = []
        for (offset, stage) in spec.stages.enumerated() {
            let name = "layer \(offset + 1) (\(stage.keyword))"
            let next = shapes[offset]
            let overflow = PipelineError(
                "\(name) needs more than \(ByteText.largest) (its \(next) output's byte count overflows 64 bits)")
            guard next.width <= Shape.largestSide, next.height <= Shape.largestSide,
                let outputBytes = next.checkedCount.flatMap({ CheckedSize.product($0, 4) })
            else { throw overflow }
            let scratch: Int
            var tiles = 1
            let rows: @Sendable (Int) -> Int
            switch stage {
            case .conv(let conv):
                let tileRows = Self.tileRows(
                    channelBlock: conv.channelBlock, workPerOutputValue: conv.workPerOutputValue(inputChannels: shape.channels),
                    input: shape, output: next)
                let block = max(1, min(conv.channelBlock, next.channels))
                tiles =
                    CheckedSize.product((next.channels + block - 1) / block, (next.height + tileRows - 1) / tileRows) ?? Int.max
                guard let bytes = Self.scratchBytes(conv, input: shape, output: next) else {
                    throw PipelineError(
                        "\(name) needs more than \(ByteText.largest) (its padded input band's byte count overflows 64 bits)")
                }
                scratch = bytes
                let geometry = conv.rowGeometry, height = shape.height
                rows = { r in min(height, geometry.inputLength(outputs: r)) }
            case .pool(let pool):
                scratch = 0
                let stride = pool.stride, size = pool.size, height = shape.height
                rows = { r in min(height, (r - 1) * stride + size) }
            case .activation:
                scratch = 0
                rows = { r in r }
            }
            layers.append(
                LayerMemory(
                    index: offset + 1, kind: stage.keyword, inputShape: shape, outputShape: next,
                    outputBytes: outputBytes, scratchBytes: scratch, tiles: tiles, inputRowsForOutputRows: rows))
            shape = next
        }
        self.layers = layers
        stageSpecs = spec.stages
    }

    /// Output rows per tile of the whole-tensor route (`Stage.rowBand`): about 16 M multiply-adds a
    /// tile, its input rows within 512 KiB (L2 is 1 MiB). Shapes only, never the workers.
    static func tileRows(channelBlock: Int, workPerOutputValue: Int, input: Shape, output: Shape) -> Int {
        let perRow = max(1, CheckedSize.product(min(channelBlock, output.channels), output.width, workPerOutputValue) ?? Int.max)
        let inputRowsPerRow = max(1, input.height / max(1, output.height))
        let inputBytesPerRow = max(1, CheckedSize.product(input.channels, input.width, inputRowsPerRow, 4) ?? Int.max)
        return max(1, min(output.height, (16 << 20) / perRow, (512 << 10) / inputBytesPerRow))
    }

    /// One conv tile's padded input band (PaddedInput), in bytes; nil on overflow.
    static func scratchBytes(_ conv: ConvSpec, input: Shape, output: Shape) -> Int? {
        let filters = max(1, conv.filters.count)
        let slots = conv.depthwise ? min(input.channels, max(1, 64 / filters)) : input.channels + 1
        let rows = tileRows(
            channelBlock: conv.channelBlock, workPerOutputValue: conv.workPerOutputValue(inputChannels: input.channels),
            input: input, output: output)
        // PaddedInput's band: the rows `rows` outputs read, by the row stride (stride 1 reads whole strips).
        let strip = ConvKernels.stripWidth
        let columnsRead =
            conv.stride == 1 ? CheckedSize.sum(output.width, strip - 1).map { $0 / strip * strip } : output.width
        guard let columnsRead, let rowStride = conv.columnGeometry.checkedInputLength(outputs: columnsRead),
            let rowCount = conv.rowGeometry.checkedInputLength(outputs: rows)
        else { return nil }
        return CheckedSize.product(4, slots, rowCount, rowStride)
    }

    /// A conv fused with the pool after it keeps a band of its rows per tile (FusedConvStage), in bytes.
    static func fusedBandBytes(conv: LayerMemory, pool: PoolSpec?) -> Int? {
        let channels = min(conv.outputShape.channels, 64), width = conv.outputShape.width
        let poolStride = pool?.stride ?? 1
        guard let perRow = CheckedSize.product(channels, width, poolStride) else { return nil }
        let rows = max(1, (128 << 10) / max(1, perRow)) * poolStride + (pool?.size ?? 0)
        return CheckedSize.product(4, channels, rows, width)
    }

    /// Output rows per band of the streaming route: about 1 MiB of output floats, 8 to 128 rows.
    static func outputRowsPerBand(for output: Shape) -> Int {
        let rowBytes = CheckedSize.product(4, output.channels, output.width) ?? Int.max
        return min(128, max(8, (1 << 20) / max(1, rowBytes)))
    }

    /// The most bytes alive at once on `route` with `workers` tiles in flight, and the layer that
    /// needs them (nil: the input alone). `steps` are the run's steps as ranges of stage indices
    /// (`Pipeline.steps`: a conv with the activations and the pool after it is one step). Throws
    /// naming the layer when the sum overflows 64 bits. `finalOutputBytes`: what the last step's
    /// output holds at once when it is made a range of maps at a time (`Pipeline.finalFilterGroups`).
    public func peak(
        route: Route, steps: [Range<Int>], workers: Int, finalOutputBytes: Int? = nil
    ) throws(PipelineError) -> (layer: LayerMemory?, bytes: Int) {
        if let networkPeaks {
            // A network runs on whole tensors only, one node at a time.
            var keeping = false
            if case .wholeTensors(let keep) = route { keeping = keep }
            let peak = keeping ? networkPeaks.keeping : networkPeaks.releasing
            return (layers.first { $0.index == peak.layer }, peak.bytes)
        }
        let workers = max(1, workers)
        func overflow(_ layer: LayerMemory) -> PipelineError {
            PipelineError("\(layer.name) needs more than \(ByteText.largest) (its byte count overflows 64 bits)")
        }
        func tileBytes(_ step: Range<Int>) -> Int? {
            let first = layers[step.lowerBound]
            var tile = first.scratchBytes
            if step.count > 1, first.kind == "conv" {
                var pool: PoolSpec?
                if case .pool(let spec) = stageSpecs[step.upperBound - 1] { pool = spec }
                guard let band = Self.fusedBandBytes(conv: first, pool: pool), let sum = CheckedSize.sum(tile, band)
                else { return nil }
                tile = sum
            }
            return CheckedSize.product(tile, min(workers, first.tiles))
        }
        var best: (layer: LayerMemory?, bytes: Int) = (nil, inputBytes)
        switch route {
        case .wholeTensors(let keepingEveryStage):
            if keepingEveryStage {
                var kept = inputBytes
                for layer in layers {
                    guard let sum = CheckedSize.sum(kept, layer.outputBytes) else { throw overflow(layer) }
                    kept = sum
                    guard let tiles = tileBytes(layer.index - 1..<layer.index), let bytes = CheckedSize.sum(kept, tiles)
                    else { throw overflow(layer) }
                    if bytes > best.bytes { best = (layer, bytes) }
                }
            } else {
                for step in steps where !step.isEmpty {
                    let layer = layers[step.lowerBound]
                    let before = step.lowerBound == 0 ? 0 : layers[step.lowerBound - 1].outputBytes
                    var after = layers[step.upperBound - 1].outputBytes
                    if let finalOutputBytes, step == steps.last { after = min(after, finalOutputBytes) }
                    guard let tiles = tileBytes(step),
                        let bytes = CheckedSize.sum(inputBytes, before, after, tiles)
                    else { throw overflow(layer) }
                    if bytes > best.bytes { best = (layer, bytes) }
                }
            }
        case .bands:
            // Every level's band at once, plus the tiles of the step that needs the most.
            var rows = Self.outputRowsPerBand(for: outputShape)
            var bands = 0, largestTiles = 0
            var largest: (layer: LayerMemory?, bytes: Int) = (nil, 0)
            for step in steps.reversed() where !step.isEmpty {
                let last = layers[step.upperBound - 1], first = layers[step.lowerBound]
                guard let band = CheckedSize.product(4, last.outputShape.channels, rows, last.outputShape.width),
                    let tiles = tileBytes(step), let sum = CheckedSize.sum(bands, band),
                    let own = CheckedSize.sum(band, tiles)
                else { throw overflow(first) }
                bands = sum
                largestTiles = max(largestTiles, tiles)
                if own > largest.bytes { largest = (first, own) }
                for layer in layers[step].reversed() { rows = layer.inputRowsForOutputRows(max(1, rows)) }
            }
            guard let window = CheckedSize.product(4, inputShape.channels, rows, inputShape.width),
                let sum = CheckedSize.sum(bands, window, largestTiles)
            else { throw layers.first.map(overflow) ?? PipelineError("the input band overflows 64 bits") }
            best = (largest.layer, sum)
        }
        return best
    }

    /// The stages, for the pool a conv is fused with.
    private let stageSpecs: [StageSpec]

    /// A network's peaks (`graphPeak`), releasing intermediates or keeping every node's output.
    private let networkPeaks: NetworkPeaks?

    struct NetworkPeaks: Sendable, Equatable {
        var releasing: GraphPeak
        var keeping: GraphPeak
    }

    /// The most bytes a network run holds at once, at the node (1-based among network nodes) that needs them.
    struct GraphPeak: Sendable, Equatable {
        var layer: Int
        var node: PipelinePlan.NodeID
        var bytes: Int
    }

    /// One layer per network node, for an image of `inputShape` as 1×C×H×W.
    private init(network plan: PipelinePlan, input inputShape: Shape) throws(PipelineError) {
        guard !inputShape.isEmpty else { throw PipelineError("the input is empty (\(inputShape))") }
        guard let inputBytes = inputShape.checkedCount.flatMap({ CheckedSize.product($0, 4) }) else {
            throw PipelineError("the input \(inputShape) is too large (its byte count does not fit in 64 bits)")
        }
        self.inputShape = inputShape
        self.inputBytes = inputBytes
        let dims = try plan.graphDims(image: inputShape)
        var layers: [LayerMemory] = []
        for node in plan.nodes {
            guard case .network = node.operation else { continue }
            let shape = Shape(graphDims: dims[node.id])
            layers.append(
                LayerMemory(
                    index: layers.count + 1, kind: node.keyword, inputShape: Shape(graphDims: dims[node.inputs[0]]),
                    outputShape: shape, outputBytes: 4 * dims[node.id].reduce(1, *),
                    scratchBytes: Self.graphScratchBytes(node, dims: dims), tiles: 1, inputRowsForOutputRows: { $0 }))
        }
        self.layers = layers
        stageSpecs = []
        networkPeaks = NetworkPeaks(
            releasing: try Self.graphPeak(plan: plan, dims: dims, keepingEveryStage: false),
            keeping: try Self.graphPeak(plan: plan, dims: dims, keepingEveryStage: true))
    }

    /// A spatial node's working copy of its input (a padded image of the batch), in bytes.
    static func graphScratchBytes(_ node: PipelinePlan.Node, dims: [[Int]]) -> Int {
        guard case .network(let operation) = node.operation else { return 0 }
        switch operation {
        case .conv, .convTranspose, .pool, .resize:
            let x = dims[node.inputs[0]]
            return 4 * x.dropFirst().reduce(1, *) * 2
        default: return 0
        }
    }

    /// The most bytes alive at once while `plan` runs on inputs of `dims` (`PipelinePlan.graphDims`):
    /// the weights, every value not yet past its last reader (every node's output with
    /// `keepingEveryStage`), the node's output and its scratch. Throws when the sum overflows.
    static func graphPeak(plan: PipelinePlan, dims: [[Int]], keepingEveryStage: Bool) throws(PipelineError) -> GraphPeak {
        let lastUse = plan.lastUse
        var bytes = [Int](repeating: 0, count: plan.nodes.count)
        var weights = 0, live = 0
        var best = GraphPeak(layer: 0, node: 0, bytes: 0)
        var layer = 0
        for node in plan.nodes {
            guard let count = CheckedSize.product(dims[node.id]), let size = CheckedSize.product(count, 4) else {
                throw plan.failure(node, "its output's byte count overflows 64 bits")
            }
            bytes[node.id] = size
            switch node.operation {
            case .constant:
                weights += size
                continue
            case .network:
                layer += 1
            default:
                break
            }
            guard let sum = CheckedSize.sum(live, size),
                let total = CheckedSize.sum(weights, sum, Self.graphScratchBytes(node, dims: dims))
            else { throw plan.failure(node, "needs more than \(ByteText.largest)") }
            live = sum
            if total > best.bytes { best = GraphPeak(layer: layer, node: node.id, bytes: total) }
            for input in Set(node.inputs) where lastUse[input] == node.id {
                if case .constant = plan.nodes[input].operation { continue }
                if keepingEveryStage, case .network = plan.nodes[input].operation { continue }
                live -= bytes[input]
            }
        }
        return best
    }
}

extension ConvSpec {
    /// Maps per tile: every map of a tile shares one padded input band (dense: up to 64; depthwise:
    /// whole channels' worth of filters).
    var channelBlock: Int {
        let filterCount = max(1, filters.count)
        return depthwise ? filterCount * max(1, 64 / filterCount) : min(filterCount, 64)
    }

    /// The largest kernel of the bank (a `pad=same` bank of mixed sizes runs them all at it).
    var largestKernel: (height: Int, width: Int) {
        (filters.map(\.kernelHeight).max() ?? 0, filters.map(\.kernelWidth).max() ?? 0)
    }

    /// Multiply-adds per output value, to size tiles (a broadcast bank convolves the channel sum once).
    func workPerOutputValue(inputChannels: Int) -> Int {
        let terms =
            depthwise || filters.allSatisfy(\.isBroadcast) ? 1 : group > 1 ? max(1, inputChannels / group) : inputChannels
        return max(1, CheckedSize.product(terms, largestKernel.height, largestKernel.width) ?? Int.max)
    }
}

/// Byte counts as short text: "384 GiB", "1.5 MiB" (binary units, as `--max-memory` reads them).
public enum ByteText {
    /// What an overflowing count is at least: 2⁶³ bytes.
    static let largest = "8 EiB"

    /// `bytes` with three significant digits in the largest binary unit it reaches.
    public static func describe(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) bytes" }
        let decimals = value >= 100 ? 0 : value >= 10 ? 1 : 2
        return formatted(value, decimals: decimals) + " " + units[unit]
    }
}
