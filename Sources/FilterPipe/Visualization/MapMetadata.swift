// What a written map needs to be read back as floats: v ≈ lo + sample · (hi − lo) / L,
// L = 2^bitDepth − 1, stored as PNG tEXt chunks (keyword "filterpipe:…", Latin-1 text).
// The keywords are documented in docs/filter-format.md (Map metadata); readers (the report) rely
// on them, so they are only ever added to, never renamed.

/// The facts recorded with every written map, enough to recover its float values.
public struct MapMetadata: Sendable, Equatable {
    /// The filter file that produced the map (as given on the command line), if known.
    public var filterFile: String?
    /// The map's name (usually its filter's name), if known.
    public var mapName: String?
    /// The map's index among the final maps (0-based, CHW channel order).
    public var mapIndex: Int
    /// Float value at sample 0 (`lowerBound`) and at the top sample (`upperBound`).
    public var range: ClosedRange<Float>
    public var normalization: OutputSpec.Normalization
    public var colormap: OutputSpec.Colormap
    /// 8 or 16.
    public var bitDepth: Int
    /// P of `normalize=percentile` (nil under the other normalisations).
    public var percentile: Float?
    /// Fractions of the map's pixels whose values lie below `range` and above it (drawn at the
    /// end colours; their values are not recoverable beyond the range's ends).
    public var clipped: (below: Double, above: Double)?
    /// The map's finite minimum and maximum, whatever the range.
    public var extrema: ClosedRange<Float>?
    /// Whether the pipeline can make the map negative (then drawn symmetric about zero by default).
    public var signed: Bool?

    public init(
        filterFile: String? = nil, mapName: String? = nil, mapIndex: Int, range: ClosedRange<Float>,
        normalization: OutputSpec.Normalization, colormap: OutputSpec.Colormap = .gray, bitDepth: Int = 8,
        percentile: Float? = nil, clipped: (below: Double, above: Double)? = nil, extrema: ClosedRange<Float>? = nil,
        signed: Bool? = nil
    ) {
        self.percentile = percentile
        self.clipped = clipped
        self.extrema = extrema
        self.signed = signed
        self.filterFile = filterFile
        self.mapName = mapName
        self.mapIndex = mapIndex
        self.range = range
        self.normalization = normalization
        self.colormap = colormap
        self.bitDepth = bitDepth
    }

    public enum Keyword {
        public static let filter = "filterpipe:filter"
        public static let map = "filterpipe:map"
        public static let index = "filterpipe:index"
        /// "lo hi": shortest decimals that read back as the same `Float`s.
        public static let range = "filterpipe:range"
        public static let normalize = "filterpipe:normalize"
        public static let colormap = "filterpipe:colormap"
        public static let depth = "filterpipe:depth"
        /// P of `normalize=percentile`, e.g. "99.5".
        public static let percentile = "filterpipe:percentile"
        /// "below above": fractions (0...1) of the map's pixels under and over the range.
        public static let clipped = "filterpipe:clipped"
        /// "min max": the map's finite extremes, shortest decimals.
        public static let extrema = "filterpipe:extrema"
        /// "true" or "false": whether the pipeline can make the map negative.
        public static let signed = "filterpipe:signed"
    }

    /// The tEXt chunks to write with the map; non-Latin-1 characters become "?".
    public var textChunks: [PNGWriteOptions.TextChunk] {
        var chunks: [PNGWriteOptions.TextChunk] = []
        if let filterFile { chunks.append(.init(keyword: Keyword.filter, text: Self.latin1(filterFile))) }
        if let mapName { chunks.append(.init(keyword: Keyword.map, text: Self.latin1(mapName))) }
        chunks.append(.init(keyword: Keyword.index, text: String(mapIndex)))
        chunks.append(.init(keyword: Keyword.range, text: "\(range.lowerBound) \(range.upperBound)"))
        chunks.append(.init(keyword: Keyword.normalize, text: normalization.rawValue))
        chunks.append(.init(keyword: Keyword.colormap, text: colormap.rawValue))
        chunks.append(.init(keyword: Keyword.depth, text: String(bitDepth)))
        if let percentile { chunks.append(.init(keyword: Keyword.percentile, text: "\(percentile)")) }
        if let clipped { chunks.append(.init(keyword: Keyword.clipped, text: "\(clipped.below) \(clipped.above)")) }
        if let extrema { chunks.append(.init(keyword: Keyword.extrema, text: "\(extrema.lowerBound) \(extrema.upperBound)")) }
        if let signed { chunks.append(.init(keyword: Keyword.signed, text: signed ? "true" : "false")) }
        return chunks
    }

    /// Reads the metadata back from tEXt chunks (the last chunk of a keyword wins);
    /// nil when the range is missing or malformed.
    public init?(textChunks: [PNGWriteOptions.TextChunk]) {
        var fields: [String: String] = [:]
        for chunk in textChunks { fields[chunk.keyword] = chunk.text }
        guard let rangeText = fields[Keyword.range] else { return nil }
        let bounds = rangeText.split(separator: " ").compactMap { Float(String($0)) }
        guard bounds.count == 2, bounds[0] <= bounds[1] else { return nil }
        self.init(
            filterFile: fields[Keyword.filter], mapName: fields[Keyword.map],
            mapIndex: fields[Keyword.index].flatMap { Int($0) } ?? 0,
            range: bounds[0]...bounds[1],
            normalization: fields[Keyword.normalize].flatMap { OutputSpec.Normalization(rawValue: $0) } ?? .minmax,
            colormap: fields[Keyword.colormap].flatMap { OutputSpec.Colormap(rawValue: $0) } ?? .gray,
            bitDepth: fields[Keyword.depth].flatMap { Int($0) } ?? 8,
            percentile: fields[Keyword.percentile].flatMap { Float($0) },
            clipped: fields[Keyword.clipped].flatMap { text in
                let values = text.split(separator: " ").compactMap { Double(String($0)) }
                return values.count == 2 ? (values[0], values[1]) : nil
            },
            extrema: fields[Keyword.extrema].flatMap(Self.pair).flatMap { $0.0 <= $0.1 ? $0.0...$0.1 : nil },
            signed: fields[Keyword.signed].map { $0 == "true" })
    }

    /// Two space-separated decimals.
    private static func pair(_ text: String) -> (Float, Float)? {
        let values = text.split(separator: " ").compactMap { Float(String($0)) }
        return values.count == 2 ? (values[0], values[1]) : nil
    }

    public static func == (a: MapMetadata, b: MapMetadata) -> Bool {
        a.filterFile == b.filterFile && a.mapName == b.mapName && a.mapIndex == b.mapIndex && a.range == b.range
            && a.normalization == b.normalization && a.colormap == b.colormap && a.bitDepth == b.bitDepth
            && a.percentile == b.percentile && a.clipped?.below == b.clipped?.below
            && a.clipped?.above == b.clipped?.above && a.extrema == b.extrema && a.signed == b.signed
    }

    /// The top sample value, 255 or 65535.
    public var maxSample: Int { bitDepth == 16 ? 65535 : 255 }

    /// The float distance between two adjacent samples.
    public var quantizationStep: Float { (range.upperBound - range.lowerBound) / Float(maxSample) }

    /// The float value a gray sample stands for (exact at the ends, within half a step inside).
    public func value(ofSample sample: Int) -> Float {
        let s = Float(Swift.min(Swift.max(sample, 0), maxSample))
        return range.lowerBound + s * quantizationStep
    }

    /// The float value a colour-mapped pixel stands for, via the nearest colour-table entry
    /// (the middle of the tied levels where the table repeats a colour, so the error stays
    /// within one step).
    public func value(ofColor red: UInt8, _ green: UInt8, _ blue: UInt8) -> Float {
        let levels = colormap.nearestLevels(red, green, blue)
        let level = Float(levels.lowerBound + levels.upperBound) / 2
        return range.lowerBound + level * quantizationStep
    }

    private static func latin1(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    (scalar.value >= 32 && scalar.value <= 255 && scalar.value != 127) || scalar == "\n" ? scalar : "?"
                }))
    }
}
