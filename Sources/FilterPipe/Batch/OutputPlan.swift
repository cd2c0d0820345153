/// The files one image produces, relative to OUTPUT: known before the image is decoded, so
/// `--skip-existing` can decide without decoding and names never depend on the image's content.
///
/// - `maps`: `<stem>/<k>-<map name>.png`, `k` zero-padded so names sort in map order;
/// - `image`, `montage`: `<stem>.png`;  `npy`: `<stem>.npy`;
/// - `--montage` with maps: also `<stem>/montage.png`;
/// - `--stages`: also `<stem>/stage-<n>-<kind>/<k>-<map name>.png` for every stage but the last
///   (a network: `<stem>/node-<n>-<Op>-<tensor>/<k>-c<channel>.png` per node `MapLayout` plans),
///   and, when the run draws montages (`output montage` or `--montage`), a `montage.png` in each.
public struct OutputPlan: Sendable, Equatable {
    public struct MapFile: Sendable, Equatable {
        public var relativePath: String
        public var mapIndex: Int
        public var mapName: String
    }

    /// The final maps' files (kind `maps`), in map order.
    public var maps: [MapFile] = []
    /// The single file of kinds `image`, `montage` and format `npy`.
    public var single: String? = nil
    /// The extra montage of `--montage`.
    public var montage: String? = nil
    /// Whether `single` is a montage (`output montage`) rather than a map, image or tensor.
    public var singleIsMontage = false
    /// For `--stages`: per stage (all but the last), its folder's map files.
    public var stageMaps: [[MapFile]] = []
    /// For `--stages` with montages: per stage (all but the last), its folder's montage.
    public var stageMontages: [String] = []

    /// The montage files among `allFiles` (the photo and its maps drawn in a grid, not maps).
    public var montageFiles: [String] {
        (singleIsMontage ? single.map { [$0] } ?? [] : []) + (montage.map { [$0] } ?? []) + stageMontages
    }

    /// How many files of `allFiles` are maps (feature maps, stage maps, a composed image or an
    /// `.npy` tensor): everything but the montages.
    public var mapCount: Int { allFiles.count - montageFiles.count }

    /// Every file the plan writes.
    public var allFiles: [String] {
        var files = maps.map(\.relativePath)
        if let single { files.append(single) }
        if let montage { files.append(montage) }
        files += stageMaps.flatMap { $0.map(\.relativePath) }
        files += stageMontages
        return files
    }

    /// A filter file's plan.
    public init(stem: String, spec: PipelineSpec, options: BatchOptions) {
        self.init(stem: stem, layout: MapLayout(spec: spec, stages: options.stages), options: options)
    }

    /// The plan of maps named as `layout` says (`Pipeline.mapLayout(options:)`).
    public init(stem: String, layout: MapLayout, options: BatchOptions) {
        switch options.format {
        case .npy:
            single = stem + ".npy"
            return
        case .png:
            break
        }
        switch options.output.kind {
        case .maps:
            maps = Self.mapFiles(folder: stem, names: layout.finalNames)
            if options.montage { montage = stem + "/montage.png" }
        case .image, .montage:
            single = stem + ".png"
            singleIsMontage = options.output.kind == .montage
        }
        if options.stages {
            for stage in layout.stages {
                let folder = "\(stem)/\(stage.folder)"
                stageMaps.append(Self.mapFiles(folder: folder, names: stage.mapNames))
                if options.output.kind == .montage || options.montage { stageMontages.append(folder + "/montage.png") }
            }
        }
    }

    static func mapFiles(folder: String, names: [String]) -> [MapFile] {
        let width = max(2, String(max(names.count - 1, 0)).count)
        return names.enumerated().map { index, name in
            let number = String(index)
            let padded = String(repeating: "0", count: max(0, width - number.count)) + number
            return MapFile(relativePath: "\(folder)/\(padded)-\(safeFileName(name)).png", mapIndex: index, mapName: name)
        }
    }

    /// A map name made safe as one path component.
    static func safeFileName(_ name: String) -> String {
        let cleaned = String(name.map { $0 == "/" || $0 == "\\" || $0 == "\0" ? "_" : $0 })
        return cleaned.hasPrefix(".") ? "_" + cleaned.dropFirst() : cleaned
    }
}
