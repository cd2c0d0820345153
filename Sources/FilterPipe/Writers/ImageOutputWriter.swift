import Synchronization

/// Writes one image's results as its `OutputPlan` says: maps rendered by the visualisation
/// layer, encoded as PNG (or the raw tensor as `.npy`), each file written whole.
struct ImageOutputWriter {
    let output: OutputTree
    let options: BatchOptions
    /// The maps' names, titles and signedness (`Pipeline.mapLayout`).
    let layout: MapLayout
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
        if options.format == .npy, let file = plan.single {
            let bytes = NPYWriter.encode(final)
            timings.normalize += lap()
            try save(bytes, file, &written)
            timings.encode += lap()
            return written
        }
        switch options.output.kind {
        case .maps:
            try writeMaps(
                final, files: plan.maps, scaling: finalScaling, signed: layout.finalSigned,
                timings: &timings, lap: lap, written: &written)
        case .image:
            let pixels = try compose(final)
            timings.normalize += lap()
            try savePNG(pixels, plan.single!, text: metadata(mapName: "image"), &written)
            timings.encode += lap()
        case .montage:
            guard let photo else { preconditionFailure("montage without its photo") }
            try writeMontage(
                photo: photo, title: title, maps: final, names: layout.finalNames, signed: layout.finalSigned,
                scaling: finalScaling, file: plan.single!,
                timings: &timings, lap: lap, written: &written)
        }
        if let file = plan.montage {
            guard let photo else { preconditionFailure("montage without its photo") }
            try writeMontage(
                photo: photo, title: title, maps: final, names: layout.finalNames, signed: layout.finalSigned,
                scaling: finalScaling, file: file,
                timings: &timings, lap: lap, written: &written)
        }
        for (index, files) in plan.stageMaps.enumerated() where index < stages.count - 1 {
            let stage = layout.stages[index]
            try writeMaps(
                stages[index], files: files, scaling: stageScaling, signed: stage.signed,
                timings: &timings, lap: lap, written: &written)
            if index < plan.stageMontages.count, let photo {
                try writeMontage(
                    photo: photo, title: "\(title): \(stage.title)", maps: stages[index], names: stage.mapNames,
                    signed: stage.signed, scaling: stageScaling, file: plan.stageMontages[index],
                    timings: &timings, lap: lap, written: &written)
            }
        }
        return written
    }

    /// Writes final maps `first ..< first + maps.channels` (`maps` holds only those), as `write`
    /// writes them when given all (`BatchOptions.writesFinalMapsSeparately`); returns the paths written.
    func writeFinalMaps(
        _ maps: Tensor, first: Int, plan: OutputPlan, timings: inout PhaseTimings, lap: () -> Double
    ) throws(FilterPipeError) -> [String] {
        let end = min(first + maps.channels, plan.maps.count)
        let range = min(first, end)..<end
        var written: [String] = []
        try writeMaps(
            maps, files: Array(plan.maps[range]), scaling: finalScaling,
            signed: Array(layout.finalSigned[range.clamped(to: layout.finalSigned.indices)]), firstMap: first,
            timings: &timings, lap: lap, written: &written)
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
        let relative = plan.single!
        try makeFolder(for: relative)
        let path = output.path(relative)
        let pngOptions = PNGWriteOptions(compressionLevel: options.pngLevel, text: metadata(mapName: "image"))
        try asImage { () throws(ImageIOError) in try ImageCodec.writePNG(consuming: image, to: path, options: pngOptions) }
        timings.encode += lap()
        return [path]
    }

    /// The final maps' scaling: the output line's, with `apply`'s flags.
    private var finalScaling: MapScaling { MapScaling(output: options.output) }

    /// The scaling of `--stages` maps: always percentile clipping (P as the output line says), so a
    /// signed stage output is drawn −m..m in the diverging map with zero at the centre, whatever
    /// the final maps' normalisation; unsigned ones take the output's colour map (gray for diverging).
    private var stageScaling: MapScaling {
        var scaling = MapScaling(output: options.output)
        scaling.normalization = .percentile
        scaling.colormap = scaling.colormap == .diverging ? nil : scaling.colormap
        // 16-bit maps are gray (the colour tables have 8 bits a channel): only 8-bit ones turn diverging.
        scaling.symmetricAlwaysDiverging = options.depth == 8
        return scaling
    }

    private func writeMaps(
        _ maps: Tensor, files: [OutputPlan.MapFile], scaling: MapScaling, signed: [Bool], firstMap: Int = 0,
        timings: inout PhaseTimings, lap: () -> Double, written: inout [String]
    ) throws(FilterPipeError) {
        let renderer = MapRenderer(scaling: scaling, depth: options.depth)
        let normalizations = renderer.normalizations(maps, signed: signed, executor: executor)
        let measuring = lap()
        timings.normalize += executor.meter?.workerSeconds(wall: measuring) ?? measuring
        // Each map is rendered, encoded and released on its own, maps spread over the workers:
        // the same bytes as one after another, with only `workers` rendered maps alive at once.
        for folder in Set(files.map { PathText.deletingLastComponent($0.relativePath) }).sorted() {
            try asOutput { () throws(OutputError) in try output.makeFolder(folder) }
        }
        let names = files.map(\.mapName), filterName = filterName, software = software
        let outcomes = Mutex(
            (results: [Result<String, FilterPipeError>?](repeating: nil, count: files.count), render: 0.0, encode: 0.0))
        executor.forEach(min(files.count, maps.channels)) { index in
            let start = monotonicSeconds()
            let map = renderer.render(
                maps, channel: index, normalization: normalizations[index], names: names, filterFile: filterName,
                signed: signed, mapIndex: firstMap + index)
            let rendered = monotonicSeconds()
            let result = Result { () throws(FilterPipeError) -> String in
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
        // Rendering and encoding are counted per map above, not by the meter.
        _ = executor.meter?.workerSeconds(wall: 0)
        let (results, render, encode) = outcomes.withLock { $0 }
        timings.normalize += render
        timings.encode += encode
        for result in results {
            guard let result else { continue }
            written.append(try result.get())
        }
    }

    private func writeMontage(
        photo: PixelBuffer, title: String, maps: Tensor, names: [String], signed: [Bool], scaling: MapScaling,
        file: String, timings: inout PhaseTimings, lap: () -> Double, written: inout [String]
    ) throws(FilterPipeError) {
        let pixels = Montage.make(photo: photo, maps: maps, names: names, scaling: scaling, signed: signed, title: title)
        timings.normalize += lap()
        try savePNG(pixels, file, text: metadata(mapName: "montage"), &written)
        timings.encode += lap()
    }

    private func compose(_ maps: Tensor) throws(FilterPipeError) -> PixelBuffer {
        do throws(PipelineError) {
            return try ImageComposer.compose(maps, scaling: finalScaling, depth: options.depth)
        } catch {
            throw .pipeline(error)
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
    ) throws(FilterPipeError) {
        try makeFolder(for: relative)
        written.append(try savePNG(pixels, relative, text: text))
    }

    /// Encodes `pixels` into `relative` (its folder already made); the path written.
    private func savePNG(
        _ pixels: PixelBuffer, _ relative: String, text: [PNGWriteOptions.TextChunk]
    ) throws(FilterPipeError) -> String {
        let path = output.path(relative)
        let pngOptions = PNGWriteOptions(compressionLevel: options.pngLevel, text: text)
        try asImage { () throws(ImageIOError) in try ImageCodec.writePNG(pixels, to: path, options: pngOptions) }
        return path
    }

    private func save(_ bytes: [UInt8], _ relative: String, _ written: inout [String]) throws(FilterPipeError) {
        try makeFolder(for: relative)
        let path = output.path(relative)
        try asOutput { () throws(OutputError) in try AtomicFile.write(bytes, to: path) }
        written.append(path)
    }

    private func makeFolder(for relative: String) throws(FilterPipeError) {
        try asOutput { () throws(OutputError) in try output.makeFolder(PathText.deletingLastComponent(relative)) }
    }
}
