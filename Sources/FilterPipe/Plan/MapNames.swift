extension PipelineSpec {
    /// Names of the maps after stage `stageIndex` (−1: the input tensor), one per channel:
    /// the filter names of the last conv so far (depthwise: `c<channel>-<filter>`), or the
    /// input's channel names (`r g b`, `gray`, `r g b a`) before any conv.
    public func mapNames(afterStage stageIndex: Int, inputChannels: Int) -> [String] {
        var names = Self.channelNames(inputChannels)
        var index = 0
        for stage in stages where index <= stageIndex {
            if case .conv(let conv) = stage {
                if conv.depthwise {
                    names = (0..<names.count).flatMap { c in conv.filters.map { "c\(c)-\($0.name)" } }
                } else {
                    names = conv.filters.map(\.name)
                }
            }
            index += 1
        }
        return names
    }

    /// Names of the final maps for an input of `inputChannels` channels.
    public func finalMapNames(inputChannels: Int) -> [String] {
        mapNames(afterStage: stages.count - 1, inputChannels: inputChannels)
    }

    static func channelNames(_ count: Int) -> [String] {
        switch count {
        case 1: ["gray"]
        case 3: ["r", "g", "b"]
        case 4: ["r", "g", "b", "a"]
        default: (0..<count).map { "c\($0)" }
        }
    }
}
