#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which existing files filterpipe may replace with a picture of its own (`filterpipe show`).
///
/// "Ours" means: no file yet, or a regular PNG carrying filterpipe's `tEXt` marker
/// (`Software` = `filterpipe`, which every PNG filterpipe writes has before its image data), and
/// never one of the files the command reads (the filter file).
public enum OwnedFile {
    /// The `tEXt` chunk that marks a PNG as written by filterpipe.
    public static let marker = PNGWriteOptions.TextChunk(keyword: "Software", text: "filterpipe")

    /// Throws unless `path` may be replaced by a PNG: it does not exist, or it is a regular PNG with
    /// filterpipe's marker and none of `protected` (compared by device and inode).
    public static func checkReplaceablePNG(_ path: String, protecting protected: [String]) throws(OutputError) {
        var info = stat()
        // Nothing there (or a dangling link, which the rename replaces without touching anything else).
        guard stat(path, &info) == 0 else { return }
        for other in protected {
            var id = stat()
            if stat(other, &id) == 0, id.st_dev == info.st_dev, id.st_ino == info.st_ino {
                throw OutputError(path: path, message: "is \(other), which this command reads; refusing to replace it")
            }
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            throw OutputError(path: path, message: "is \(InputDiscovery.typeName(type)); refusing to replace it")
        }
        guard hasMarker(path) else {
            throw OutputError(
                path: path,
                message: "exists and is not a PNG written by filterpipe; refusing to replace it (remove it or choose a new name)")
        }
    }

    /// Whether the PNG at `path` has the marker among the chunks before its first `IDAT` (within its first 64 KiB).
    static func hasMarker(_ path: String) -> Bool {
        guard let descriptor = try? ImageCodec.openRegularFile(path) else { return false }
        defer { close(descriptor) }
        var head = [UInt8](repeating: 0, count: 1 << 16)
        let count = head.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count >= 8, ImageCodec.sniff(Array(head[0..<8])) == .png else { return false }
        let wanted = Array(marker.keyword.utf8) + [0] + Array(marker.text.utf8)
        var offset = 8
        while offset + 8 <= count {
            let length = head[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: head[offset + 4..<offset + 8], as: UTF8.self)
            let start = offset + 8
            guard length <= count - start else { return false }
            if type == "IDAT" || type == "IEND" { return false }
            if type == "tEXt" && head[start..<start + length].elementsEqual(wanted) { return true }
            offset = start + length + 4
        }
        return false
    }
}
