// formatted(v, decimals: d, width: w) = C's printf("%*.*f", w, d, v): the exact binary value of v
// rounded to d decimals (ties to even, as glibc and Darwin libc do), right-aligned in w characters.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `value` with exactly `decimals` digits after the point, padded on the left with spaces to at
/// least `width` characters: the text `String(format: "%*.*f", width, decimals, value)` gives, without
/// Foundation's `String(format:)` (FoundationEssentials has none).
///
/// ```swift
/// formatted(3.4149, decimals: 2)          // "3.41"
/// formatted(0.125, decimals: 2)           // "0.12" (0.125 is exact: a tie, to even)
/// formatted(17.25, decimals: 1, width: 7) // "   17.2"
/// ```
public func formatted(_ value: Double, decimals: Int, width: Int = 0) -> String {
    precondition(decimals >= 0 && width >= 0, "decimals and width must not be negative")
    // libc formats; C variadics are reachable from Swift only through a va_list, which one call
    // consumes, so the length query and the formatting each get their own.
    let arguments: [any CVarArg] = [Int32(width), Int32(decimals), value]
    let length = Int(withVaList(arguments) { vsnprintf(nil, 0, "%*.*f", $0) })
    var text = [CChar](repeating: 0, count: length + 1)
    _ = text.withUnsafeMutableBufferPointer { buffer in
        withVaList(arguments) { vsnprintf(buffer.baseAddress, buffer.count, "%*.*f", $0) }
    }
    return String(decoding: text[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
