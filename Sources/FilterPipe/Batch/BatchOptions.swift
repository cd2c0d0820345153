/// Everything that shapes a batch run besides its inputs, output folder and pipeline.
public struct BatchOptions: Sendable {
    /// What each image produces on disk.
    public enum Format: String, Sendable, CaseIterable {
        /// PNGs, as the pipeline's `output` line (or the overrides) says.
        case png
        /// The final tensor as one float32 `.npy` of shape [C, H, W].
        case npy
    }

    public var format: Format = .png
    /// Kind, normalisation and colour map of PNG outputs (the filter file's `output` line with flags applied).
    public var output: OutputSpec = OutputSpec()
    /// Also write a montage per image (`<stem>/montage.png`) when the kind is `maps`.
    public var montage: Bool = false
    /// Also write the maps after every stage (`<stem>/stage-<n>-<kind>/`; a network's after every
    /// node, `<stem>/node-<n>-<Op>-<tensor>/`, see `MapLayout`).
    public var stages: Bool = false
    /// With `stages` on a network: only the nodes matching one of these (op type, or part of the
    /// node's or its tensor's name); empty: every node.
    public var stageNodes: [String] = []
    /// With `stages` on a network: at most this many channels (the first) of each node.
    public var stageChannels: Int = 8
    /// Resize each image before the pipeline runs on it (nil: as decoded).
    public var resize: InputResize? = nil
    /// 8 or 16 bits per sample in written maps.
    public var depth: Int = 8
    /// zlib level of written PNGs.
    public var pngLevel: Int = 1
    /// Images processed at once; each also splits its own work across `jobs` cores.
    public var jobs: Int = Executor().workers
    /// Bytes the images in flight may take together, by their estimated footprints (`ImageFootprint`):
    /// an image starts only when it fits beside those running; one over the whole budget fails
    /// before it is decoded. Nil: only `jobs` limits them, and each image must fit half the
    /// physical memory (`SystemMemory`).
    public var memoryBudget: Int? = nil
    public var limits: DecodeLimits = DecodeLimits()
    /// Stop at the first failed image.
    public var failFast: Bool = false
    /// Skip an image whose outputs all exist as regular files newer than the image and the filter file.
    public var skipExisting: Bool = false
    /// Process only the inputs whose position in the sorted list is `index` modulo `count`.
    public var shard: (index: Int, count: Int)? = nil
    /// The filter file, recorded in outputs' metadata and used by `skipExisting`.
    public var filterPath: String = ""
    /// A final tensor over this many bytes is computed and written a range of filters at a time,
    /// when the outputs allow it (`writesFinalMapsSeparately`, `Pipeline.finalFilterGroups`).
    var finalTensorLimit = 32 << 20

    /// Whether the final maps can be written a range of maps at a time: one PNG per map, each
    /// normalised on its own, nothing else drawn from them.
    var writesFinalMapsSeparately: Bool {
        format == .png && output.kind == .maps && !montage && !stages && output.effectiveNormalization != .global
    }

    public init() {}
}
