// Large outputs are fresh memory on every run: 4 KiB pages cost one fault each on first touch, and
// the faults of concurrent workers serialise in the kernel. Asking for transparent huge pages (2 MiB)
// on the buffer's 2 MiB-aligned interior makes that 512× fewer faults. Advice only: no effect on values.
#if canImport(Glibc)
    import Glibc
#endif

enum HugePages {
    static let size = 2 << 20

    /// Advises the kernel to back the 2 MiB-aligned part of `byteCount` bytes at `base` with huge pages.
    static func advise(_ base: UnsafeMutableRawPointer, byteCount: Int) {
        #if canImport(Glibc)
            guard byteCount >= 2 * size else { return }
            let start = (Int(bitPattern: base) + size - 1) / size * size
            let end = (Int(bitPattern: base) + byteCount) / size * size
            guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
            _ = madvise(aligned, end - start, MADV_HUGEPAGE)
        #endif
    }
}
