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

extension PipelineSpec {
    /// Whether each map after stage `stageIndex` (−1: the input) can hold a negative value, one per
    /// channel: the input (0...1) cannot; a conv map can unless its bias is ≥ 0 and every weight on a
    /// channel that can be negative is 0 and every other weight ≥ 0; relu, abs and sigmoid make
    /// maps non-negative; tanh, leaky_relu and pools keep the sign. Signed maps are drawn symmetric
    /// about zero by default (`normalize=percentile`).
    public func mapsCanBeNegative(afterStage stageIndex: Int, inputChannels: Int) -> [Bool] {
        var signed = [Bool](repeating: false, count: inputChannels)
        for (index, stage) in stages.enumerated() where index <= stageIndex {
            switch stage {
            case .conv(let conv):
                func canBeNegative(_ filter: FilterSpec, reading channels: [Int]) -> Bool {
                    if filter.bias < 0 { return true }
                    return channels.enumerated().contains { position, c in
                        let matrix = filter.channels[filter.isBroadcast ? 0 : position]
                        let inputSigned = c < signed.count && signed[c]
                        return inputSigned ? matrix.values.contains { $0 != 0 } : matrix.values.contains { $0 < 0 }
                    }
                }
                if conv.depthwise {
                    signed = signed.indices.flatMap { c in conv.filters.map { canBeNegative($0, reading: [c]) } }
                } else {
                    let all = Array(signed.indices)
                    signed = conv.filters.map { canBeNegative($0, reading: all) }
                }
            case .activation(let activation):
                switch activation {
                case .relu, .abs, .sigmoid, .hardSigmoid: signed = signed.map { _ in false }
                case .clip(let low, _) where low >= 0: signed = signed.map { _ in false }
                case .tanh, .leakyReLU, .clip, .hardSwish, .elu: break
                }
            case .pool: break
            }
        }
        return signed
    }

    /// Whether each final map can hold a negative value (`mapsCanBeNegative(afterStage:)`).
    public func finalMapsCanBeNegative(inputChannels: Int) -> [Bool] {
        mapsCanBeNegative(afterStage: stages.count - 1, inputChannels: inputChannels)
    }
}
