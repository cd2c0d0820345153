import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What happened to one image of a batch.
public struct ImageResult: Sendable {
    public enum Status: String, Sendable {
        case written, failed, skipped
    }

    public var input: BatchInput
    public var status: Status
    /// Output paths written (absolute or relative to the working folder, as OUTPUT was given).
    public var outputs: [String] = []
    /// The montages among `outputs` (`OutputPlan.montageFiles`, as written).
    public var montages: [String] = []
    /// How many of `outputs` are feature maps (or `.npy` tensors, or composed images): all but montages.
    public var mapsWritten: Int {
        outputs.filter { !montages.contains($0) }.count
    }
    /// How many of `outputs` are montages (the final one, `--montage`'s, one per stage with `--stages`).
    public var montagesWritten: Int {
        outputs.filter { montages.contains($0) }.count
    }
    /// Why it failed, typed.
    public var failure: ImageFailure? = nil
    /// Why it failed: one line, starting with the input's path.
    public var error: String? { failure?.description }
    public var megapixels: Double = 0
    /// The decoded image's size (0 when it was not decoded).
    public var width = 0
    public var height = 0
    public var timings = PhaseTimings()
}

/// Why one image of a batch failed: its input and the typed cause.
public struct ImageFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var input: String
    public var cause: FilterPipeError

    public init(input: String, cause: FilterPipeError) {
        self.input = input
        self.cause = cause
    }

    /// `INPUT: reason`, one line, naming the input once and any other file concerned (an output
    /// that could not be written) after it.
    public var description: String {
        let reason: String
        switch cause {
        case .image(let e): reason = e.path.map { $0 == input ? e.message : "\($0): \(e.message)" } ?? e.message
        case .output(let e): reason = "\(e.path): \(e.message)"
        case .pipeline(let e): reason = e.message
        case .filterFile(let e): reason = e.description
        }
        return escapedForMessage("\(input): \(reason)")
    }
}

/// Worker-seconds spent in each phase, summed over images (a phase split over several workers counts
/// each worker's busy time: `WorkMeter`).
public struct PhaseTimings: Sendable {
    public var decode: Double = 0
    public var compute: Double = 0
    public var normalize: Double = 0
    public var encode: Double = 0

    public var total: Double { decode + compute + normalize + encode }

    static func + (a: PhaseTimings, b: PhaseTimings) -> PhaseTimings {
        PhaseTimings(
            decode: a.decode + b.decode, compute: a.compute + b.compute,
            normalize: a.normalize + b.normalize, encode: a.encode + b.encode)
    }
}

/// The outcome of a whole batch.
public struct BatchSummary: Sendable {
    public var total = 0
    public var written = 0
    public var failed = 0
    public var skipped = 0
    /// Images never started because the batch was cancelled.
    public var notStarted = 0
    public var mapsWritten = 0
    public var montagesWritten = 0
    public var seconds: Double = 0
    public var megapixels: Double = 0
    public var timings = PhaseTimings()
    public var workers = 1
    public var cancelled = false

    /// Worker-seconds not spent in any phase (waiting, scheduling, the end of the batch).
    public var idle: Double { max(0, Double(workers) * seconds - timings.total) }
    public var megapixelsPerSecond: Double { seconds > 0 ? megapixels / seconds : 0 }

    /// One line: `written 22, failed 2, skipped 0 images; 88 maps; 3.41 s; 24.1 MP/s`, with
    /// `88 maps, 22 montages` when montages were written (maps count every other file: stage maps,
    /// composed images, `.npy` tensors).
    public var line: String {
        var text = "written \(written), failed \(failed), skipped \(skipped) images"
        if notStarted > 0 { text += ", \(notStarted) not started" }
        text += "; \(mapsWritten) maps"
        if montagesWritten > 0 { text += ", \(montagesWritten) montage\(montagesWritten == 1 ? "" : "s")" }
        text += "; \(formatted(seconds, decimals: 2)) s; \(formatted(megapixelsPerSecond, decimals: 1)) MP/s"
        return text
    }
}

/// Runs a pipeline over a list of images and writes their outputs: the batch engine behind
/// `filterpipe apply`.
///
/// Up to `options.jobs` images are in flight at once (so at most that many decoded images are in
/// memory), largest files first so the batch does not end on one big image with the other cores
/// idle; each image's stages also split across cores. A failing image is reported and the batch
/// goes on (unless `failFast`). Every file is written whole or not at all (``AtomicFile``).
public struct BatchRunner: Sendable {
    public let pipeline: Pipeline
    public let output: OutputTree
    public let options: BatchOptions

    /// The bytes one image may need (`ImageFootprint`) and where that figure comes from: `--max-memory`,
    /// else half the physical memory (`SystemMemory`). An image over it fails before it is decoded.
    let memoryLimit: (bytes: Int, source: String)?

    public init(pipeline: Pipeline, output: OutputTree, options: BatchOptions) {
        self.pipeline = pipeline
        layout = pipeline.mapLayout(options: options)
        route = Route.decide(plan: pipeline.plan, options: options)
        self.output = output
        self.options = options
        if let budget = options.memoryBudget {
            memoryLimit = (budget, "--max-memory")
        } else {
            memoryLimit = SystemMemory.defaultBudget().map { ($0, "half the physical memory; see --max-memory") }
        }
    }

    /// The route images take (`Route.decide`, once per run).
    public let route: Route
    /// The names of the maps each image gets (`Pipeline.mapLayout`).
    public let layout: MapLayout

    /// Whether images take the streaming route (`BandedPipelineRun`: one clamped 8-bit image out),
    /// holding image rows rather than float tensors.
    public var streamsImages: Bool { route.streams }

    /// The inputs this run processes: all of them, or its shard (by position in sorted order,
    /// which is the same on every machine given the same tree).
    public func selectShard(_ inputs: [BatchInput]) -> [BatchInput] {
        guard let shard = options.shard else { return inputs }
        return inputs.enumerated().filter { $0.offset % shard.count == shard.index }.map(\.element)
    }

    /// Processes `inputs`, appending a record per image to `manifest`; `onResult` is called once per image as it finishes (from any thread,
    /// one call at a time).
    public func run(
        _ inputs: [BatchInput], manifest: ManifestWriter? = nil,
        cancellation: CancellationToken = CancellationToken(),
        onResult: @Sendable (ImageResult) -> Void = { _ in }
    ) -> BatchSummary {
        let start = monotonicSeconds()
        if options.skipExisting {
            // A resumed batch: clear what a killed run left half-written, so it ends with exactly
            // the files of an uninterrupted run.
            AtomicFile.removeStaleTemporaries(in: output.root, recursive: true)
        }
        let (order, footprints) = scheduled(inputs)
        let filterDate = Self.modificationDate(options.filterPath)
        let state = Mutex(BatchSummary())
        let executor = Executor(workers: options.jobs)
        let queue = ImageQueue(footprints: footprints, budget: options.memoryBudget)
        executor.forEach(min(executor.workers, order.count)) { _ in
            while !cancellation.isCancelled, let item = queue.next() {
                defer { queue.finish(bytes: item.bytes) }
                let input = order[item.position]
                // While at least `jobs` images are still to start, every core already has an image:
                // each image's stages run on one worker (nested splitting only added scheduling and
                // cache traffic). The last images of the batch split their stages across all cores.
                let stageWorkers = item.remaining + 1 > executor.workers ? 1 : options.jobs
                let result = process(input, filterDate: filterDate, stageWorkers: stageWorkers)
                if result.status == .failed && options.failFast { cancellation.cancel() }
                manifest?.append(result)
                state.withLock { summary in
                    switch result.status {
                    case .written: summary.written += 1
                    case .failed: summary.failed += 1
                    case .skipped: summary.skipped += 1
                    }
                    summary.mapsWritten += result.mapsWritten
                    summary.montagesWritten += result.montagesWritten
                    summary.megapixels += result.megapixels
                    summary.timings = summary.timings + result.timings
                    onResult(result)
                }
            }
        }
        state.withLock { $0.notStarted = queue.notStarted }
        var summary = state.withLock { $0 }
        summary.total = inputs.count
        summary.workers = executor.workers
        summary.cancelled = cancellation.isCancelled
        summary.seconds = monotonicSeconds() - start
        return summary
    }

    /// Decodes, runs and writes one image; never throws: a failure is its result. Its stages
    /// split across `stageWorkers` cores (default `options.jobs`); results do not depend on it.
    public func process(_ input: BatchInput, filterDate: Date? = nil, stageWorkers: Int? = nil) -> ImageResult {
        var result = ImageResult(input: input, status: .written)
        let plan = OutputPlan(stem: input.outputStem, layout: layout, options: options)
        if options.skipExisting, let date = Self.newest(Self.modificationDate(input.path), filterDate),
            plan.allFiles.allSatisfy({ output.isFreshRegularFile($0, newerThan: date) })
        {
            result.status = .skipped
            return result
        }
        do throws(FilterPipeError) {
            var mark = monotonicSeconds()
            func lap() -> Double {
                let now = monotonicSeconds()
                defer { mark = now }
                return now - mark
            }
            try admit(input)
            let meter = WorkMeter()
            let executor = Executor(workers: stageWorkers ?? options.jobs, meter: meter)
            let writer = ImageOutputWriter(output: output, options: options, layout: layout, executor: executor)
            let decoded: ImageCodec.DecodedRows
            do throws(ImageIOError) {
                decoded =
                    route.streams
                    ? try ImageCodec.decodeRows(fileAt: input.path, limits: options.limits)
                    : .pixels(try ImageCodec.decode(fileAt: input.path, limits: options.limits))
            } catch {
                throw .image(error)
            }
            let pixels: PixelBuffer
            switch decoded {
            case .rows(let image):
                result.megapixels = Double(image.width * image.height) / 1e6
                result.width = image.width
                result.height = image.height
                result.timings.decode = lap()
                if let outputs = try stream(image, writer: writer, plan: plan, executor: executor, result: &result, lap: lap) {
                    result.outputs = outputs
                    return result
                }
                pixels = image.pixelBuffer
            case .pixels(let buffer):
                pixels = buffer
            }
            result.megapixels = Double(pixels.width * pixels.height) / 1e6
            result.width = pixels.width
            result.height = pixels.height
            var tensor = Tensor(
                pixels: pixels, mode: pipeline.spec.input, scaling: pipeline.spec.inputScaling, executor: executor)
            if let resize = options.resize { tensor = resize.apply(to: tensor) }
            // Only a montage draws the photo again: otherwise its pixels are released here.
            let photo: PixelBuffer? = writer.needsPhoto(plan) ? pixels : nil
            result.timings.decode += meter.workerSeconds(wall: lap())

            if options.writesFinalMapsSeparately {
                let groups: [Range<Int>]?
                do throws(PipelineError) {
                    groups = try pipeline.finalFilterGroups(for: tensor.shape, limit: options.finalTensorLimit)
                } catch {
                    throw .pipeline(error)
                }
                if let groups {
                    result.outputs = try writeInGroups(
                        groups, tensor, writer: writer, plan: plan, executor: executor, meter: meter,
                        timings: &result.timings, lap: lap)
                    return result
                }
            }
            let stages: [Tensor]
            do throws(PipelineError) {
                if options.stages {
                    stages = try pipeline.runStages(tensor, layout: layout, executor: executor)
                } else {
                    stages = [try pipeline.run(tensor, executor: executor)]
                }
            } catch {
                throw .pipeline(error)
            }
            // Worker-seconds: the serial part once, each parallel lane's busy time.
            result.timings.compute = meter.workerSeconds(wall: lap())

            result.outputs = try writer.write(
                photo: photo, title: input.relativePath, stages: stages, plan: plan,
                timings: &result.timings, lap: lap)
            result.montages = plan.montageFiles.map(output.path)
        } catch {
            result.status = .failed
            result.failure = ImageFailure(input: input.path, cause: error)
        }
        return result
    }

    /// The whole-tensor route for a large final tensor: the last step's input once, then per range
    /// of filters its maps computed, written and released (`Pipeline.finalFilterGroups`).
    private func writeInGroups(
        _ groups: [Range<Int>], _ tensor: Tensor, writer: ImageOutputWriter, plan: OutputPlan, executor: Executor,
        meter: WorkMeter, timings: inout PhaseTimings, lap: () -> Double
    ) throws(FilterPipeError) -> [String] {
        let input: Tensor
        do throws(PipelineError) {
            input = try pipeline.runToFinalStep(tensor, executor: executor)
        } catch {
            throw .pipeline(error)
        }
        timings.compute += meter.workerSeconds(wall: lap())
        var written: [String] = []
        for filters in groups {
            let maps = pipeline.finalMaps(input, filters: filters, executor: executor)
            timings.compute += meter.workerSeconds(wall: lap())
            written += try writer.writeFinalMaps(maps, first: filters.lowerBound, plan: plan, timings: &timings, lap: lap)
        }
        return written
    }

    /// Throws, before anything is allocated for the image, when its header says it would need more
    /// than the memory limit, or when its shapes or bytes overflow 64 bits. An unreadable header
    /// is left to the decoder, which names the problem.
    private func admit(_ input: BatchInput) throws(FilterPipeError) {
        guard let probe = ImageCodec.probe(fileAt: input.path) else { return }
        let footprint: ImageFootprint
        do throws(PipelineError) {
            footprint = try ImageFootprint.estimate(of: probe, pipeline: pipeline, options: options, route: route)
        } catch {
            throw .pipeline(error)
        }
        if let memoryLimit, footprint.bytes > memoryLimit.bytes {
            throw .pipeline(PipelineError(footprint.refusal(budget: memoryLimit.bytes, source: memoryLimit.source)))
        }
    }

    /// The streaming route: the pipeline runs band by band over `image`'s rows and its output rows are
    /// composed straight into a row image (the decoded one itself when the shapes agree), which is
    /// written as the single output. Nil when the pipeline does not stream (the caller then takes
    /// the whole-tensor route).
    private func stream(
        _ image: RowImage, writer: ImageOutputWriter, plan: OutputPlan, executor: Executor, result: inout ImageResult,
        lap: () -> Double
    ) throws(FilterPipeError) -> [String]? {
        let mode = pipeline.spec.input
        let target: RowImage
        if pipeline.steps.isEmpty && mode == .rgb && image.channels == 3 && pipeline.spec.inputScaling.isIdentity {
            // Nothing to compute: round(clamp(s / 255, 0, 1) · 255) = s, so the decoded rows are the output.
            target = image
        } else {
            let run: BandedPipelineRun?
            do throws(PipelineError) {
                run = try BandedPipelineRun(pipeline: pipeline, mode: mode, width: image.width, height: image.height)
                if let run { try ImageComposer.checkComposable(channels: run.outputShape.channels, depth: 8) }
            } catch {
                throw .pipeline(error)
            }
            guard let run else { return nil }
            let output = run.outputShape
            target =
                run.canWriteInPlace && output.channels == image.channels
                ? image : RowImage(width: output.width, height: output.height, channels: output.channels)
            var composing = 0.0
            run.run(source: image, executor: executor) { values, channelStride, rows in
                let start = monotonicSeconds()
                ImageComposer.composeClampedRows(
                    band: values, channelStride: channelStride, firstRow: rows.lowerBound, rows: rows, into: target)
                composing += monotonicSeconds() - start
            }
            result.timings.compute = executor.meter!.workerSeconds(wall: lap() - composing)
            result.timings.normalize = composing
        }
        return try writer.writeImage(consuming: target, plan: plan, timings: &result.timings, lap: lap)
    }

    /// The order images start in, with their estimated footprints: largest file first (so the
    /// batch does not end on one big image with the other cores idle); with a memory budget,
    /// largest footprint first, from each header (`ImageFootprint`).
    func scheduled(_ inputs: [BatchInput]) -> (order: [BatchInput], footprints: [Int]) {
        guard options.memoryBudget != nil else {
            let order = Self.largestFirst(inputs)
            return (order, Array(repeating: 0, count: order.count))
        }
        // An image over the limit fails before allocating: it need not wait for room.
        let sized = inputs.map { input in
            let bytes = ImageFootprint.bytes(
                of: ImageCodec.probe(fileAt: input.path), pipeline: pipeline, options: options, route: route)
            return (input, bytes > (memoryLimit?.bytes ?? Int.max) ? 0 : bytes)
        }
        let order = sized.enumerated().sorted { a, b in
            a.element.1 != b.element.1 ? a.element.1 > b.element.1 : a.offset < b.offset
        }.map(\.element)
        return (order.map(\.0), order.map(\.1))
    }

    static func largestFirst(_ inputs: [BatchInput]) -> [BatchInput] {
        let sized = inputs.map { input -> (BatchInput, Int64) in
            var info = stat()
            return (input, stat(input.path, &info) == 0 ? Int64(info.st_size) : 0)
        }
        return sized.enumerated().sorted { a, b in
            a.element.1 != b.element.1 ? a.element.1 > b.element.1 : a.offset < b.offset
        }.map(\.element.0)
    }

    static func modificationDate(_ path: String) -> Date? {
        var info = stat()
        guard !path.isEmpty, stat(path, &info) == 0 else { return nil }
        return Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
    }

    static func newest(_ a: Date?, _ b: Date?) -> Date? {
        switch (a, b) {
        case let (a?, b?): max(a, b)
        case let (a?, nil): a
        case let (nil, b?): b
        case (nil, nil): nil
        }
    }
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
