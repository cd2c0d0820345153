// A colour map sends a level i in 0...255 to table entry i (R, G, B); `gray` is (i, i, i).

extension OutputSpec.Colormap {
    /// The colour of level `index` (0...255, clamped): the published table's entry.
    public func color(at index: Int) -> (red: UInt8, green: UInt8, blue: UInt8) {
        let i = Swift.min(Swift.max(index, 0), 255)
        guard let table = rgbTable else { return (UInt8(i), UInt8(i), UInt8(i)) }
        return (table[3 * i], table[3 * i + 1], table[3 * i + 2])
    }

    /// The level whose colour is nearest (squared RGB distance) to the given colour;
    /// for `gray` the rounded mean of the three components.
    public func level(nearestTo red: UInt8, _ green: UInt8, _ blue: UInt8) -> Int {
        nearestLevels(red, green, blue).lowerBound
    }

    /// The levels whose colour is nearest to the given one, lowest to highest. Usually one level;
    /// two where the 8-bit table repeats a colour (viridis 112 = 113 and 129 = 130).
    func nearestLevels(_ red: UInt8, _ green: UInt8, _ blue: UInt8) -> ClosedRange<Int> {
        guard let table = rgbTable else {
            let mean = (Int(red) + Int(green) + Int(blue) + 1) / 3
            return mean...mean
        }
        var first = 0
        var last = 0
        var bestDistance = Int.max
        for i in 0..<256 {
            let dr = Int(table[3 * i]) - Int(red)
            let dg = Int(table[3 * i + 1]) - Int(green)
            let db = Int(table[3 * i + 2]) - Int(blue)
            let distance = dr * dr + dg * dg + db * db
            if distance < bestDistance {
                first = i
                last = i
                bestDistance = distance
            } else if distance == bestDistance {
                last = i
            }
        }
        return first...last
    }

    /// 768 bytes (256 × RGB), or nil for `gray`.
    var rgbTable: [UInt8]? {
        switch self {
        case .gray: nil
        case .viridis: ColormapTables.viridis
        case .magma: ColormapTables.magma
        case .diverging: ColormapTables.diverging
        }
    }

    /// Expands 8-bit levels into interleaved RGB through the table.
    func applied(to levels: [UInt8]) -> [UInt8] {
        let table = rgbTable ?? (0..<256).flatMap { [UInt8($0), UInt8($0), UInt8($0)] }
        var rgb = [UInt8](repeating: 0, count: levels.count * 3)
        table.withUnsafeBufferPointer { lut in
            rgb.withUnsafeMutableBufferPointer { out in
                for (i, level) in levels.enumerated() {
                    let entry = Int(level) * 3
                    out[3 * i] = lut[entry]
                    out[3 * i + 1] = lut[entry + 1]
                    out[3 * i + 2] = lut[entry + 2]
                }
            }
        }
        return rgb
    }
}
