// The memory a batch may assume it has when no --max-memory is given: half of the physical memory,
// or of the cgroup's limit when that is lower (a Slurm job or a container sees its allocation there,
// not the machine's). Half leaves room for the page cache, the other processes and the estimate's error.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Physical memory and the default per-image budget.
public enum SystemMemory {
    /// Physical memory in bytes (Linux: MemTotal, lowered to the cgroup v2 or v1 limit; macOS: hw.memsize); nil if unknown.
    public static func physical() -> Int? {
        #if os(Linux)
            var total: Int?
            if let text = readSmallFile("/proc/meminfo"),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
                let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
            {
                total = CheckedSize.product(kib, 1024)
            }
            for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
                guard let text = readSmallFile(path),
                    let limit = Int(text.filter { !$0.isWhitespace }), limit > 0
                else { continue }
                total = min(total ?? limit, limit)
                break
            }
            return total
        #elseif canImport(Darwin)
            var size: UInt64 = 0
            var length = MemoryLayout<UInt64>.size
            guard sysctlbyname("hw.memsize", &size, &length, nil, 0) == 0, size > 0 else { return nil }
            return Int(clamping: size)
        #else
            return nil
        #endif
    }

    /// The budget one image must fit when `--max-memory` is not given: half of `physical()`.
    public static func defaultBudget() -> Int? { physical().map { $0 / 2 } }

    #if os(Linux)
        /// A /proc or /sys file's text (their sizes read as 0, so it is read to the end).
        private static func readSmallFile(_ path: String) -> String? {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            defer { close(descriptor) }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while bytes.count < 1 << 20 {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                bytes += chunk[..<count]
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    #endif
}
