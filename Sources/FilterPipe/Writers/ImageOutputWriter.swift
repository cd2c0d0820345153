import Synchronization

/// Writes one image's results as its `OutputPlan` says: maps rendered by the visualisation
/// layer, encoded as PNG (or the raw tensor as `.npy`), each file written whole.
struct ImageOutputWriter {
    let output: OutputTree
    let options: BatchOptions
    let spec: PipelineSpec
    /// Where an image's maps are rendered and encoded, several at once when it has workers.
    var executor = Executor(workers: 1)

    /// Writes everything; `stages` holds the final tensor last (and, with `--stages`, every
    /// stage's output before it). Returns the paths written. `lap` splits normalise from encode time.
    func write(
        photo: PixelBuffer?, title: String, stages: [Tensor], plan: OutputPlan, timings: inout PhaseTimings,
        lap: () -> Double
    ) throws(FilterPipeError) -> [String] {
        guard let final = stages.last else { return [] }
        var written: [String] = []
        do throws(ImageIOError) {
            if options.format == .npy, let file = plan.single {
                let bytes = NPYWriter.encode(final)
                timings.normalize += lap()
                try save(bytes, file, &written)
                timings.encode += lap()
                return written
            }
            switch options.output.kind {
            case .maps:
                try writeMaps(final, files: plan.maps, timings: &timings, lap: lap, written: &written)
            case .image:
                let pixels = try compose(final)
                timings.normalize += lap()
                try savePNG(pixels, plan.single!, text: metadata(mapName: "image"), &written)
                timings.encode += lap()
            case .montage:
                guard let photo else { preconditionFailure("montage without its photo") }
                try writeMontage(
                    photo: photo, title: title, maps: final, file: plan.single!, timings: &timings, lap: lap, written: &written)
            }
            if let file = plan.montage {
                guard let photo else { preconditionFailure("montage without its photo") }
                try writeMontage(
                    photo: photo, title: title, maps: final, file: file, timings: &timings, lap: lap, written: &written)
            }
            for (index, files) in plan.stageMaps.enumerated() where index < stages.count - 1 {
                try writeMaps(stages[index], files: files, timings: &timings, lap: lap, written: &written)
            }
        } catch {
            throw .image(error)
        }
        return written
    }

    /// Whether `plan` draws the input photo (a montage), so its pixels must be kept until writing.
    func needsPhoto(_ plan: OutputPlan) -> Bool {
        options.format == .png && (options.output.kind == .montage || plan.montage != nil)
    }

    /// Writes a composed image in row layout as the single output; `image` is spent (filtered in place).
    func writeImage(
        consuming image: RowImage, plan: OutputPlan, timings: inout PhaseTimings, lap: () -> Double
    ) throws(FilterPipeError) -> [String] {
        do throws(ImageIOError) {
            let relative = plan.single!
            try output.makeFolder(PathText.deletingLastComponent(relative))
            let path = output.path(relative)
            try ImageCodec.writePNG(
                consuming: image, to: path,
                options: PNGWriteOptions(compressionLevel: options.pngLevel, text: metadata(mapName: "image")))
            timings.encode += lap()
            return [path]
        } catch {
            throw .image(error)
        }
    }

    private func writeMaps(
        _ maps: Tensor, files: [OutputPlan.MapFile], timings: inout PhaseTimings,
        lap: () -> Double, written: inout [String]
    ) throws(ImageIOError) {
        let renderer = MapRenderer(
            normalization: options.output.effectiveNormalization,
            colormap: options.output.effectiveColormap, depth: options.depth)
        let normalizations = renderer.normalizations(maps)
        timings.normalize += lap()
        // Each map is rendered, encoded and released on its own, maps spread over the workers:
        // the same bytes as one after another, with only `workers` rendered maps alive at once.
        for folder in Set(files.map { PathText.deletingLastComponent($0.relativePath) }).sorted() {
            try output.makeFolder(folder)
        }
        let names = files.map(\.mapName), filterName = filterName, software = software
        let outcomes = Mutex(
            (results: [Result<String, ImageIOError>?](repeating: nil, count: files.count), render: 0.0, encode: 0.0))
        executor.forEach(min(files.count, maps.channels)) { index in
            let start = monotonicSeconds()
            let map = renderer.render(
                maps, channel: index, normalization: normalizations[index], names: names, filterFile: filterName)
            let rendered = monotonicSeconds()
            let result = Result { () throws(ImageIOError) -> String in
                try savePNG(map.pixels, files[index].relativePath, text: [software] + map.text)
            }
            let encoded = monotonicSeconds()
            outcomes.withLock {
                $0.results[index] = result
                $0.render += rendered - start
                $0.encode += encoded - rendered
            }
        }
        _ = lap()
        let (results, render, encode) = outcomes.withLock { $0 }
        timings.normalize += render
        timings.encode += encode
        for result in results {
            guard let result else { continue }
            written.append(try result.get())
        }
    }

    private func writeMontage(
        photo: PixelBuffer, title: String, maps: Tensor, file: String,
        timings: inout PhaseTimings, lap: () -> Double,
        written: inout [String]
    ) throws(ImageIOError) {
        let names = spec.finalMapNames(inputChannels: spec.input.channels)
        let pixels = Montage.make(
            photo: photo, maps: maps, names: names,
            normalization: options.output.effectiveNormalization,
            colormap: options.output.effectiveColormap, title: title)
        timings.normalize += lap()
        try savePNG(pixels, file, text: metadata(mapName: "montage"), &written)
        timings.encode += lap()
    }

    private func compose(_ maps: Tensor) throws(ImageIOError) -> PixelBuffer {
        do throws(PipelineError) {
            return try ImageComposer.compose(maps, normalization: options.output.effectiveNormalization, depth: options.depth)
        } catch {
            throw ImageIOError(.encode, message: error.message)
        }
    }

    private var software: PNGWriteOptions.TextChunk { PNGWriteOptions.TextChunk(keyword: "Software", text: "filterpipe") }
    private var filterName: String { PathText.lastComponent(options.filterPath) }

    private func metadata(mapName: String) -> [PNGWriteOptions.TextChunk] {
        [
            software,
            PNGWriteOptions.TextChunk(keyword: MapMetadata.Keyword.filter, text: filterName),
            PNGWriteOptions.TextChunk(keyword: MapMetadata.Keyword.map, text: mapName),
        ]
    }

    private func savePNG(
        _ pixels: PixelBuffer, _ relative: String, text: [PNGWriteOptions.TextChunk],
        _ written: inout [String]
    ) throws(ImageIOError) {
        try output.makeFolder(PathText.deletingLastComponent(relative))
        written.append(try savePNG(pixels, relative, text: text))
    }

    /// Encodes `pixels` into `relative` (its folder already made); the path written.
    private func savePNG(
        _ pixels: PixelBuffer, _ relative: String, text: [PNGWriteOptions.TextChunk]
    ) throws(ImageIOError) -> String {
        let path = output.path(relative)
        try ImageCodec.writePNG(pixels, to: path, options: PNGWriteOptions(compressionLevel: options.pngLevel, text: text))
        return path
    }

    private func save(_ bytes: [UInt8], _ relative: String, _ written: inout [String]) throws(ImageIOError) {
        try output.makeFolder(PathText.deletingLastComponent(relative))
        let path = output.path(relative)
        try AtomicFile.write(bytes, to: path)
        written.append(path)
    }
}
