// Which of the two execution routes an image takes, decided once per run from the plan and the
// options; the runner, the decoder choice, the footprint estimate and the allocator tuning all read
// this one answer instead of asking a writer.
//   streamingBands: the image decoded as 8-bit rows, the pipeline run band by band over them
//                   (BandedPipelineRun), each band clamped into the one output image's rows
//   wholeTensors:   the image decoded whole, each step run on the whole tensor (Pipeline.run)

/// How the images of a run are computed.
public enum Route: Sendable, Equatable {
    /// Bands of rows through every step, when an image decodes to 8-bit rows (else whole tensors).
    case streamingBands
    /// Whole tensors, one step at a time; with `keepingEveryStage`, every stage's output (`--stages`).
    case wholeTensors(keepingEveryStage: Bool)

    /// The route for `plan` under `options`: bands when the only output is one clamped 8-bit PNG image
    /// (rows can be written as they are made) and the plan is a chain (a band walk follows one input
    /// per node); whole tensors otherwise.
    public static func decide(plan: PipelinePlan, options: BatchOptions) -> Route {
        let oneClampedImage =
            options.format == .png && options.output.kind == .image && options.output.effectiveNormalization == .clamp
            && options.depth == 8 && !options.montage && !options.stages && options.resize == nil
        let chain = !plan.isNetwork && plan.nodes.dropFirst().allSatisfy { $0.inputs == [$0.id - 1] }
        return oneClampedImage && chain ? .streamingBands : .wholeTensors(keepingEveryStage: options.stages)
    }

    /// Whether images stream through bands of rows.
    public var streams: Bool { self == .streamingBands }

    /// The memory estimate's view of this route, for an image of `bitDepth` bits (a 16-bit image is
    /// decoded whole even on the streaming route).
    func memoryRoute(bitDepth: Int) -> MemoryEstimate.Route {
        switch self {
        case .streamingBands where bitDepth == 8: .bands
        case .streamingBands: .wholeTensors(keepingEveryStage: false)
        case .wholeTensors(let keeping): .wholeTensors(keepingEveryStage: keeping)
        }
    }
}
