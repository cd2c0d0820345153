// Gathers what the report shows and writes the report's own files under OUTPUT/index.files/:
//   images/<stem>/input-preview.png   the input, downscaled (the page never links outside OUTPUT)
//   images/<map path minus .png>.js   the map PNG's bytes for the page's value readout
//   images/<map path>                 the map shrunk for the grid (maps larger than thumbnailMaxSide)
//   filters/stage-<n>-<k>.png         filter k of conv stage n, one pixel per weight
//   filters.png                       every bank, as `filterpipe show` draws it
// Outputs are named by stems under OUTPUT, and these live in one folder of their own, so no
// stem can make them collide with a map.

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

/// Builds the report's entries from a batch's results and writes the files they link.
public struct ReportBuilder: Sendable {
    /// The report's folder, beside index.html.
    public static let assetsFolder = "index.files"
    /// The input preview's longer side, in pixels.
    public static let previewMaxSide = 640
    /// The grid shows maps at about 210 CSS px; larger maps get a copy this size (2× for dense screens).
    public static let thumbnailMaxSide = 420

    public let spec: PipelineSpec
    public let options: BatchOptions
    public let output: OutputTree
    /// The maps' names and stage titles (`Pipeline.mapLayout`).
    public let layout: MapLayout

    /// `layout` nil: `spec`'s (a filter file's).
    public init(spec: PipelineSpec, options: BatchOptions, output: OutputTree, layout: MapLayout? = nil) {
        self.spec = spec
        self.options = options
        self.output = output
        self.layout = layout ?? MapLayout(spec: spec, stages: options.stages)
    }

    /// Every file the report may write, relative to OUTPUT (index.html first), so the batch's
    /// safety check refuses a report file that would replace an input, clash with an output or
    /// exceed NAME_MAX before anything runs. A thumbnail is listed for every map: whether one is
    /// needed is known only once the map is written.
    public static func plannedFiles(
        spec: PipelineSpec, options: BatchOptions, inputs: [BatchInput], layout: MapLayout? = nil
    ) -> [String] {
        var files = ["index.html"]
        let layout = layout ?? MapLayout(spec: spec, stages: options.stages)
        if spec.stages.contains(where: { if case .conv = $0 { true } else { false } }) {
            files.append(assetsFolder + "/filters.png")
        }
        for (stageIndex, stage) in spec.stages.enumerated() {
            guard case .conv(let conv) = stage, !conv.filters.isEmpty else { continue }
            files += filterPictureNames(stage: stageIndex, count: conv.filters.count)
        }
        for input in inputs {
            files.append("\(assetsFolder)/images/\(input.outputStem)/input-preview.png")
            let plan = OutputPlan(stem: input.outputStem, layout: layout, options: options)
            for file in plan.maps + plan.stageMaps.flatMap({ $0 }) {
                files.append("\(assetsFolder)/images/\(file.relativePath)")
                files.append("\(assetsFolder)/images/\(file.relativePath.dropLast(4)).js")
            }
            if let single = plan.single, single.hasSuffix(".png") {
                files.append("\(assetsFolder)/images/\(single)")
                files.append("\(assetsFolder)/images/\(single.dropLast(4)).js")
            }
        }
        return files
    }

    /// `filters/stage-<n>-<k>.png` for every filter of conv stage `stage` (0-based).
    static func filterPictureNames(stage: Int, count: Int) -> [String] {
        let width = max(2, String(count - 1).count)
        return (0..<count).map { index in
            let number = String(index)
            return
                "\(assetsFolder)/filters/stage-\(stage + 1)-\(String(repeating: "0", count: max(0, width - number.count)))\(number).png"
        }
    }

    /// The drawing of every conv bank (`filterpipe show`), written once; nil without conv stages.
    public func writeFiltersPicture() throws(FilterPipeError) -> String? {
        guard spec.stages.contains(where: { if case .conv = $0 { true } else { false } }) else { return nil }
        let relative = Self.assetsFolder + "/filters.png"
        try asOutput { () throws(OutputError) in try output.makeFolder(Self.assetsFolder) }
        try writeOwnedPNG(FilterDrawing.draw(spec: spec), to: relative)
        return relative
    }

    /// One small picture per filter of every conv stage, keyed by (stage index, filter index).
    public func writeFilterPictures() throws(FilterPipeError) -> [Int: [ReportFilterPicture]] {
        var pictures: [Int: [ReportFilterPicture]] = [:]
        let folder = Self.assetsFolder + "/filters"
        for (stageIndex, stage) in spec.stages.enumerated() {
            guard case .conv(let conv) = stage, !conv.filters.isEmpty else { continue }
            try asOutput { () throws(OutputError) in try output.makeFolder(folder) }
            let magnitude = conv.filters.flatMap { $0.channels.flatMap(\.values) }.map(\.magnitude).max() ?? 0
            let names = Self.filterPictureNames(stage: stageIndex, count: conv.filters.count)
            pictures[stageIndex] = try conv.filters.enumerated().map { (index, filter) throws(FilterPipeError) in
                let picture = Self.filterPixels(filter, magnitude: magnitude)
                let relative = names[index]
                try writeOwnedPNG(picture, to: relative)
                let shape = "\(filter.kernelHeight)×\(filter.kernelWidth)\(filter.isBroadcast ? "" : "×\(filter.channels.count)")"
                return ReportFilterPicture(
                    file: relative,
                    title: "\(filter.name): \(shape), bias \(filter.bias); blue −\(magnitude), white 0, red +\(magnitude)",
                    width: picture.width, height: picture.height)
            }
        }
        return pictures
    }

    /// A filter's weights, one pixel each (FilterDrawing's colours), its channels side by side
    /// with a one-pixel gray gap.
    static func filterPixels(_ filter: FilterSpec, magnitude: Float) -> PixelBuffer {
        let kh = filter.kernelHeight
        let kw = filter.kernelWidth
        let count = filter.channels.count
        let width = count * kw + (count - 1)
        var rgb = [UInt8](repeating: 160, count: width * kh * 3)
        for (c, matrix) in filter.channels.enumerated() {
            for y in 0..<kh {
                for x in 0..<kw {
                    let color = FilterDrawing.color(weight: matrix[y, x], magnitude: magnitude)
                    let at = (y * width + c * (kw + 1) + x) * 3
                    rgb[at] = color.red
                    rgb[at + 1] = color.green
                    rgb[at + 2] = color.blue
                }
            }
        }
        return PixelBuffer(width: width, height: kh, channels: 3, samples: .uint8(rgb))
    }

    /// The conv stage and filter that made map `map` after stage `stage`: activations and pools
    /// keep channel k, so it is filter k of the last conv up to that stage (k mod F for depthwise).
    public func filterOrigin(stage: Int, map: Int) -> (stage: Int, filter: Int)? {
        var index = min(stage, spec.stages.count - 1)
        while index >= 0 {
            switch spec.stages[index] {
            case .conv(let conv):
                let filters = conv.filters.count
                guard filters > 0 else { return nil }
                if conv.depthwise { return (index, map % filters) }
                return map < filters ? (index, map) : nil
            case .pool, .activation:
                index -= 1
            }
        }
        return nil
    }

    /// The entry of one image: the plan's files that exist, their metadata, a preview and the
    /// value sidecars, written now.
    public func entry(for result: ImageResult, filters: [Int: [ReportFilterPicture]]) throws(FilterPipeError) -> ReportEntry {
        var entry = ReportEntry(input: result.input.path, error: result.error)
        if result.status == .failed { return entry }
        let plan = OutputPlan(stem: result.input.outputStem, layout: layout, options: options)
        let imageFolder = "\(Self.assetsFolder)/images/\(result.input.outputStem)"
        if let preview = try writePreview(of: result.input.path, folder: imageFolder) {
            entry.preview = preview.path
            entry.previewWidth = preview.width
            entry.previewHeight = preview.height
        }
        let finalStage = spec.stages.count - 1
        for (index, files) in plan.stageMaps.enumerated() {
            var maps: [ReportMap] = []
            let stage = layout.stages[index]
            let origin = spec.stages.isEmpty ? -1 : stage.source
            for file in files { if let shown = try map(file, stage: origin, filters: filters) { maps.append(shown) } }
            if !maps.isEmpty { entry.stages.append(ReportStage(title: stage.label, maps: maps)) }
        }
        let finalTitle = layout.finalLabel
        var finals: [ReportMap] = []
        for file in plan.maps { if let shown = try map(file, stage: finalStage, filters: filters) { finals.append(shown) } }
        if let single = plan.single, isRegularFile(single) {
            let kind = plan.singleIsMontage ? "montage" : "image"
            if var shown = try map(.init(relativePath: single, mapIndex: 0, mapName: kind), stage: -1, filters: [:]) {
                shown.wide = true
                finals.append(shown)
            }
        }
        if !finals.isEmpty { entry.stages.append(ReportStage(title: finalTitle, maps: finals)) }
        for montage in plan.stageMontages + (plan.montage.map { [$0] } ?? []) where isRegularFile(montage) {
            entry.pictures.append(montage)
        }
        return entry
    }

    private func map(_ file: OutputPlan.MapFile, stage: Int, filters: [Int: [ReportFilterPicture]]) throws(FilterPipeError)
        -> ReportMap?
    {
        guard isRegularFile(file.relativePath) else { return nil }
        let bytes = try asImage { () throws(ImageIOError) in try ImageCodec.readFile(output.path(file.relativePath)) }
        guard let header = PNGHeader(bytes: bytes) else { return nil }
        var map = ReportMap(
            file: file.relativePath, name: file.mapName, metadata: header.mapMetadata, width: header.width,
            height: header.height)
        if stage >= 0, let origin = filterOrigin(stage: stage, map: file.mapIndex), let pictures = filters[origin.stage],
            origin.filter < pictures.count
        {
            map.filter = pictures[origin.filter]
        }
        if max(header.width, header.height) > Self.thumbnailMaxSide,
            let image = try? ImageCodec.decode(bytes, path: output.path(file.relativePath), limits: options.limits)
        {
            let thumbnail = "\(Self.assetsFolder)/images/\(file.relativePath)"
            try asOutput { () throws(OutputError) in
                try output.makeFolder(String(thumbnail[..<(thumbnail.lastIndex(of: "/") ?? thumbnail.startIndex)]))
            }
            try writeShrunk(image, maxSide: Self.thumbnailMaxSide, to: thumbnail)
            map.thumbnail = thumbnail
        }
        if map.metadata != nil {
            let payload = "\(Self.assetsFolder)/images/\(file.relativePath.dropLast(4)).js"
            try asOutput { () throws(OutputError) in
                try output.makeFolder(String(payload[..<(payload.lastIndex(of: "/") ?? payload.startIndex)]))
            }
            // The bytes as a script: a page opened from file:// may run it, but may not read an image's pixels.
            let script = "FP.payload(document.currentScript,\"" + Data(bytes).base64EncodedString() + "\");\n"
            try asOutput { () throws(OutputError) in try AtomicFile.write(Array(script.utf8), to: output.path(payload)) }
            map.payload = payload
        }
        return map
    }

    /// The input fitted in previewMaxSide × previewMaxSide (never enlarged); nil when it does not decode.
    private func writePreview(of input: String, folder: String) throws(FilterPipeError) -> (
        path: String, width: Int, height: Int
    )? {
        guard let photo = try? ImageCodec.decode(fileAt: input, limits: options.limits), photo.width > 0, photo.height > 0
        else { return nil }
        try asOutput { () throws(OutputError) in try output.makeFolder(folder) }
        let path = folder + "/input-preview.png"
        let size = try writeShrunk(photo, maxSide: Self.previewMaxSide, to: path)
        return (path, size.width, size.height)
    }

    /// `image` fitted in maxSide × maxSide (never enlarged, area-averaged), as an RGB PNG.
    @discardableResult
    private func writeShrunk(_ image: PixelBuffer, maxSide: Int, to relative: String) throws(FilterPipeError) -> (
        width: Int, height: Int
    ) {
        let scale = min(1, Double(maxSide) / Double(max(image.width, image.height)))
        let width = max(1, Int((Double(image.width) * scale).rounded()))
        let height = max(1, Int((Double(image.height) * scale).rounded()))
        var canvas = RGBCanvas(width: width, height: height)
        Montage.drawPhoto(image, into: &canvas, x: 0, y: 0, width: width, height: height)
        try writeOwnedPNG(canvas.pixelBuffer, to: relative)
        return (width, height)
    }

    /// Writes a PNG of the report's own (marked, so a later run may replace it).
    private func writeOwnedPNG(_ pixels: PixelBuffer, to relative: String) throws(FilterPipeError) {
        let path = output.path(relative)
        try asImage { () throws(ImageIOError) in
            try ImageCodec.writePNG(pixels, to: path, options: PNGWriteOptions(compressionLevel: 6, text: [OwnedFile.marker]))
        }
    }

    private func isRegularFile(_ relative: String) -> Bool {
        var info = stat()
        return lstat(output.path(relative), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Every image's entry (in `results` order), `options.jobs` at a time; the first error wins.
    public func entries(for results: [ImageResult]) throws(FilterPipeError) -> [ReportEntry] {
        let filters = try writeFilterPictures()
        let collected = Mutex<[ReportEntry?]>(Array(repeating: nil, count: results.count))
        let failure = Mutex<FilterPipeError?>(nil)
        Executor(workers: options.jobs).forEach(results.count) { index in
            do throws(FilterPipeError) {
                let entry = try self.entry(for: results[index], filters: filters)
                collected.withLock { $0[index] = entry }
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return collected.withLock { $0.compactMap { $0 } }
    }
}
