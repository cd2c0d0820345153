// How `check` describes a stage: its keyword, compact parameters and why a small input empties it.

extension StageSpec {
    /// The filter-file keyword of this stage: the one name of a stage kind, in messages, tables and folders.
    var keyword: String {
        switch self {
        case .conv: "conv"
        case .activation(let activation): activation.name
        case .pool(let pool): pool.kind.rawValue
        }
    }

    /// Non-default settings as written in a filter file.
    var compactParameters: String {
        switch self {
        case .conv(let conv):
            let count = conv.filters.count
            var sizes: [String] = []
            for filter in conv.filters {
                let size = "\(filter.kernelHeight)×\(filter.kernelWidth)"
                if !sizes.contains(size) { sizes.append(size) }
            }
            var parts = ["\(count) filter\(count == 1 ? "" : "s") " + sizes.joined(separator: ",")]
            if conv.depthwise { parts.append("depthwise") }
            if conv.stride != 1 { parts.append("stride=\(conv.stride)") }
            switch conv.padding {
            case .same: parts.append("pad=same")
            case .explicit(let pad) where pad > 0: parts.append("pad=\(pad)")
            case .explicit: break
            }
            if conv.padding != .explicit(0) && conv.padMode != .zero { parts.append(conv.padMode.rawValue) }
            if conv.dilation != 1 { parts.append("dilation=\(conv.dilation)") }
            return parts.joined(separator: " ")
        case .activation(.leakyReLU(let slope)):
            return "slope=\(slope)"
        case .activation:
            return ""
        case .pool(let pool):
            var parts = ["size=\(pool.size)", "stride=\(pool.stride)"]
            if pool.pad > 0 { parts.append("pad=\(pool.pad)") }
            if pool.ceilMode { parts.append("ceil_mode=true") }
            return parts.joined(separator: " ")
        }
    }

    /// Why a small input gives no output: the window and the smallest input that fits it.
    var minimumInputExplanation: String {
        switch self {
        case .conv(let conv):
            let rows = conv.rowGeometry, columns = conv.columnGeometry
            return
                "a \(rows.kernel)×\(columns.kernel) kernel with dilation \(conv.dilation) and pad \(rows.padBefore) needs at least \(rows.smallestInput)×\(columns.smallestInput)"
        case .activation:
            return "its input is empty"
        case .pool(let pool):
            let side = max(1, pool.size - 2 * pool.pad)
            return "a \(pool.size)×\(pool.size) window with pad \(pool.pad) needs at least \(side)×\(side)"
        }
    }
}
