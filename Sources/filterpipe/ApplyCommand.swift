import ArgumentParser
import Dispatch
import FilterPipe

struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Run a filter file or an ONNX model over images and folders; write each image's feature maps.",
        discussion: """
            Folders are walked recursively (hidden files skipped); .png/.jpg/.jpeg files and files \
            with PNG/JPEG magic are inputs. Outputs mirror the input tree under OUTPUT: \
            OUTPUT/<path without extension>/<k>-<filter>.png for maps. A .onnx file (or any file \
            holding a serialised ONNX model) runs the model: its first output's channels are the maps \
            (one channel: named after the tensor, else c0, c1, ...).

            Exit status: 0 every image written (or skipped), 1 some images failed or the manifest or \
            report could not be written, 2 usage or filter-file error or an unsafe batch (an output \
            would overwrite an input or clash; nothing processed), 130 interrupted (SIGINT), \
            143 (SIGTERM).
            """
    )

    @Argument(help: "The .filter file describing the pipeline, or an ONNX model (.onnx).")
    var filter: String

    @OptionGroup(title: "ONNX models")
    var model: ModelOptions

    @OptionGroup(title: "Resizing")
    var resizing: ResizeOptions

    @Argument(help: ArgumentHelp("Input files or folders, then the output folder.", valueName: "INPUT... OUTPUT"))
    var paths: [String]

    @Option(help: "png (default) or npy (the final float tensor, [C, H, W] float32).")
    var format: BatchOptions.Format = .png

    @Option(help: "Override the output kind: maps, image or montage.")
    var kind: OutputSpec.Kind?

    @Option(
        help:
            "Override normalisation: percentile (default for maps and montages), minmax, global, symmetric, clamp or range.")
    var normalize: OutputSpec.Normalization?

    @Option(
        help: ArgumentHelp(
            "Clip at the Pth percentile (50 < P ≤ 100; default 99.5); implies --normalize percentile.", valueName: "P"))
    var percentile: Float?

    @Option(
        help: ArgumentHelp(
            "Scale every map over the fixed range LO..HI (e.g. -1..1); implies --normalize range.", valueName: "LO..HI"))
    var range: String?

    @Option(help: "Override the colour map: gray, viridis, magma or diverging.")
    var colormap: OutputSpec.Colormap?

    @Flag(help: "Also write a montage of each image's maps (<stem>/montage.png); not with output image.")
    var montage = false

    @Flag(
        help:
            "Also write the maps after every stage (<stem>/stage-<n>-<kind>/; signed ones diverging), and a montage per stage when montages are written."
    )
    var stages = false

    @Option(
        name: .customLong("stage-nodes"),
        help: ArgumentHelp(
            "ONNX models with --stages: only nodes whose op type is one of LIST (any case) or whose tensor or node name contains one (e.g. Conv,Sigmoid).",
            valueName: "LIST"))
    var stageNodes: String?

    @Option(
        name: .customLong("stage-channels"),
        help: ArgumentHelp("ONNX models with --stages: at most N channels (the first) per node (default 8).", valueName: "N"))
    var stageChannels = 8

    @Option(help: "Bits per sample of written maps: 8 or 16 (16-bit maps are gray: a colour map has 8 bits a channel).")
    var depth = 8

    @Option(name: .customLong("png-level"), help: "zlib compression level of written PNGs, 0-9.")
    var pngLevel = 1

    @Option(name: [.short, .long], help: "Images processed at once, and cores used per image (default: all cores).")
    var jobs: Int?

    @Option(name: .customLong("max-pixels"), help: "Refuse images larger than this many pixels (read from the header).")
    var maxPixels = 100_000_000

    @Option(
        name: .customLong("max-memory"),
        help: ArgumentHelp(
            "Start an image only when the estimated memory of the images in flight stays within SIZE "
                + "(e.g. 64M, 2G; estimated from each header); an image that alone needs more fails. "
                + "Default: each image must fit half the physical memory; only --jobs limits how many run.",
            valueName: "SIZE"))
    var maxMemory: String?

    @Option(
        name: .customLong("max-file-size"),
        help: ArgumentHelp(
            "Refuse input files larger than SIZE (e.g. 64M, 2G; checked before reading). Default: 1G.", valueName: "SIZE"))
    var maxFileSize: String?

    @Flag(name: .customLong("fail-fast"), help: "Stop at the first image that fails.")
    var failFast = false

    @Flag(
        name: .customLong("skip-existing"),
        help: "Skip images whose outputs exist and are newer than the image and the filter file.")
    var skipExisting = false

    @Option(help: ArgumentHelp("Process only shard I of N (0-based), e.g. --shard $SLURM_ARRAY_TASK_ID/4.", valueName: "I/N"))
    var shard: String?

    @Option(help: "Append a JSON Lines record per image to this file.")
    var manifest: String?

    @Flag(name: [.short, .long], help: "Print only errors.")
    var quiet = false

    @Flag(help: "Print the summary as JSON on standard output.")
    var json = false

    @Flag(help: "Print where the time went: decode, compute, normalise, encode, idle.")
    var profile = false

    @Flag(
        help:
            "Write OUTPUT/index.html (and OUTPUT/index.files/): each input beside its maps, with legends, values under the cursor and zoom."
    )
    var report = false

    var inputs: [String] { Array(paths.dropLast()) }
    var outputFolder: String { paths.last ?? "" }

    func validate() throws {
        guard paths.count >= 2 else {
            throw ValidationError("give at least one INPUT and the OUTPUT folder")
        }
        guard depth == 8 || depth == 16 else { throw ValidationError("--depth must be 8 or 16, not \(depth)") }
        guard (0...9).contains(pngLevel) else { throw ValidationError("--png-level must be 0-9, not \(pngLevel)") }
        if depth == 16, let colormap, colormap != .gray {
            throw ValidationError("--depth 16 writes gray maps; --colormap \(colormap.rawValue) has 8 bits a channel")
        }
        if stageChannels < 1 { throw ValidationError("--stage-channels must be at least 1, not \(stageChannels)") }
        if !stages && (stageNodes != nil || stageChannels != 8) {
            throw ValidationError("--stage-nodes and --stage-channels choose what --stages writes; give --stages")
        }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, not \(jobs)") }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
        if let shard { _ = try Self.parseShard(shard) }
        if let maxMemory { _ = try Self.parseSize(maxMemory) }
        _ = try maxFileBytes()
        try validateOptionConflicts()
    }

    /// Bytes from `64M`, `2G`, `512K` or a plain number of bytes (binary units: M = 2^20).
    static func parseSize(_ text: String) throws -> Int {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = Substring(text)
        var scale = 1
        if let last = text.uppercased().last, let unit = units[last] {
            scale = unit
            digits = digits.dropLast()
        }
        guard let value = Int(digits), value > 0, value <= Int.max / scale else {
            throw ValidationError("--max-memory must be a size such as 64M or 2G, not '\(text)'")
        }
        return value * scale
    }

    static func parseShard(_ text: String) throws -> (index: Int, count: Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (0..<count).contains(index)
        else {
            throw ValidationError("--shard must be I/N with 0 ≤ I < N, e.g. 0/4; got '\(text)'")
        }
        return (index, count)
    }

    func run() throws {
        let pipeline = try loadPipeline(filter, model: model.settings)
        var options = BatchOptions()
        options.format = format
        options.output = pipeline.spec.output
        if let kind { options.output.kind = kind }
        try applyScalingFlags(to: &options.output)
        if let colormap { options.output.colormap = colormap }
        try checkKindConflicts(output: options.output, fileColormap: pipeline.spec.output.colormap)
        if depth == 16 { options.output.colormap = .gray }
        options.montage = montage
        options.stages = stages
        options.stageNodes = stageNodes.map { $0.split(separator: ",").map(String.init) } ?? []
        options.stageChannels = stageChannels
        options.resize = resizing.value
        options.depth = depth
        options.pngLevel = pngLevel
        if let jobs { options.jobs = jobs }
        options.limits = DecodeLimits(maxPixels: maxPixels, maxFileBytes: try maxFileBytes())
        options.failFast = failFast
        options.skipExisting = skipExisting
        options.shard = try shard.map(Self.parseShard)
        options.memoryBudget = try maxMemory.map(Self.parseSize)
        options.filterPath = filter
        if options.format == .png && options.output.kind == .image {
            // --kind image or --depth 16 may ask for an image the maps cannot make: refuse before any image is read.
            do {
                let maps = pipeline.mapLayout(options: options).finalNames.count
                try ImageComposer.checkComposable(channels: maps, depth: depth)
            } catch {
                printError("filterpipe: \(filter): \(error)")
                throw ExitCode(2)
            }
        }

        let tree = OutputTree(root: outputFolder)
        let selected: [BatchInput]
        let writer: ManifestWriter?
        let runner = BatchRunner(pipeline: pipeline, output: tree, options: options)
        do throws(BatchSetupError) {
            let found = try prepareInputs(tree: tree, pipeline: pipeline, options: options)
            selected = runner.selectShard(found)
            writer = try manifest.map { (path) throws(BatchSetupError) in
                try ManifestWriter(path: path, protecting: found.map(\.path) + [filter])
            }
        } catch {
            printError("filterpipe: \(error.description)")
            throw ExitCode(2)
        }

        // Float tensors: freed buffers are reused instead of unmapped and faulted in again (W3: 4.5
        // against 5.1 s). Row images (the streaming route) and a memory budget: large buffers are
        // mapped afresh, so resident memory follows what is live (W2 at --max-memory 64M: 75 MB
        // peak, against 83 MB with reuse).
        ImageCodec.tuneAllocatorForBatches(reusingLargeBuffers: !runner.streamsImages && options.memoryBudget == nil)
        let token = CancellationToken()
        let signals = SignalWatcher(token: token)
        let progress = ProgressReporter(total: selected.count, quiet: quiet)
        let results = ResultLog()
        let summary = runner.run(selected, manifest: writer, cancellation: token) { result in
            progress.record(result)
            if report { results.append(result) }
        }
        progress.finish()
        signals.stop()
        var writeFailed = false
        if let failure = writer?.writeFailure {
            printError(failure)
            writeFailed = true
        }
        if report {
            do throws(FilterPipeError) {
                let path = try ReportWriter.write(
                    results: results.all, pipeline: pipeline, filter: filter, options: options,
                    output: tree)
                if !quiet { printError("report: \(escapedForMessage(path))") }
            } catch {
                printError(error.description)
                writeFailed = true
            }
        }

        if json {
            print(SummaryFormatter.json(summary))
        } else if !quiet {
            printError(summary.line)
        }
        if profile {
            printError(SummaryFormatter.profile(summary))
            printError("  deflate   " + ImageCodec.deflateBackend)
        }
        if signals.received { throw ExitCode(signals.exitStatus) }
        if summary.failed > 0 || writeFailed { throw ExitCode(1) }
    }
}

extension BatchOptions.Format: ExpressibleByArgument {}
extension OutputSpec.Kind: ExpressibleByArgument {}
extension OutputSpec.Normalization: ExpressibleByArgument {}
extension OutputSpec.Colormap: ExpressibleByArgument {}
