#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes whole files so that a reader, a crash or `kill -9` never leaves a partial file under the
/// final name: the bytes go to a hidden temporary file in the same folder, which is renamed into
/// place (rename within one folder is atomic on POSIX file systems).
public enum AtomicFile {
    /// Writes `bytes` to `path`, replacing any file there.
    public static func write(_ bytes: [UInt8], to path: String) throws(OutputError) {
        let outcome = bytes.withUnsafeBytes { raw in
            Result { () throws(OutputError) in try write(raw, to: path) }
        }
        try outcome.get()
    }

    /// Writes the bytes in `bytes` to `path`, replacing any file there.
    static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws(OutputError) {
        try write(to: path, failure: { $0 }) { (fd: Int32) throws(OutputError) in
            var written = 0
            while written < bytes.count {
                let n = systemWrite(fd, bytes.baseAddress! + written, bytes.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw OutputError(path: path, message: "cannot write: \(String(cString: strerror(errno)))")
                }
                written += n
            }
        }
    }

    /// Creates `path` from what `produce` writes to the file descriptor it is given (a temporary
    /// file, renamed into place only when `produce` returns and the file closes cleanly; removed if
    /// `produce` throws). The file system's own failures reach the caller as `failure(…)`, in the
    /// error type `produce` throws (an encoder writing a PNG reports them as its own).
    static func write<Failure: Error>(
        to path: String, failure: (OutputError) -> Failure, _ produce: (Int32) throws(Failure) -> Void
    ) throws(Failure) {
        let folder = PathText.deletingLastComponent(path)
        // Short and independent of the final name, so any name that fits NAME_MAX can be written.
        let temp = (folder.isEmpty ? "." : folder) + "/" + temporaryName()
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw failure(OutputError(path: path, message: "cannot create file: \(String(cString: strerror(errno)))"))
        }
        do throws(Failure) {
            try produce(fd)
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        if close(fd) != 0 {
            let code = errno
            unlink(temp)
            throw failure(OutputError(path: path, message: "cannot write: \(String(cString: strerror(code)))"))
        }
        if rename(temp, path) != 0 {
            let code = errno
            unlink(temp)
            throw failure(OutputError(path: path, message: "cannot rename into place: \(String(cString: strerror(code)))"))
        }
    }

    /// The temporary name of a file being written: `.fp-<pid>-<random>.tmp` (at most 29 bytes).
    static func temporaryName() -> String {
        ".fp-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
    }

    /// The process that owns a temporary file name: `.fp-<pid>-<random>.tmp`, or the older
    /// `.<name>.tmp-<pid>-<random>`; nil for any other name.
    static func temporaryOwner(_ name: String) -> Int32? {
        guard name.hasPrefix(".") else { return nil }
        if name.hasPrefix(".fp-") && name.hasSuffix(".tmp") {
            let parts = name.dropFirst(4).dropLast(4).split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let pid = Int32(parts[0]), UInt32(parts[1]) != nil else { return nil }
            return pid
        }
        guard let suffix = text(after: ".tmp-", in: name) else { return nil }
        let parts = suffix.split(separator: "-")
        guard parts.count == 2, let pid = Int32(parts[0]), UInt32(parts[1]) != nil else { return nil }
        return pid
    }

    /// Removes temporary files that a killed run (`kill -9`, power loss) left in `folder`: hidden
    /// `.fp-<pid>-<random>.tmp` files (or the older `.<name>.tmp-<pid>-<random>`) whose process no
    /// longer exists. Files of live processes
    /// (another shard writing into the same folder) are left alone.
    /// With `recursive`, every folder below too (symbolic links are not followed).
    public static func removeStaleTemporaries(in folder: String, recursive: Bool = false) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names {
            if recursive {
                var info = stat()
                if lstat(folder + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                    removeStaleTemporaries(in: folder + "/" + name, recursive: true)
                    continue
                }
            }
            guard let pid = temporaryOwner(name) else { continue }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
                unlink(folder + "/" + name)
            }
        }
    }

    /// What follows the last occurrence of `marker` in `name`, or nil when it does not occur.
    private static func text(after marker: String, in name: String) -> String? {
        let bytes = Array(name.utf8), pattern = Array(marker.utf8)
        guard bytes.count >= pattern.count else { return nil }
        for start in stride(from: bytes.count - pattern.count, through: 0, by: -1)
        where bytes[start..<start + pattern.count].elementsEqual(pattern) {
            return String(decoding: bytes[(start + pattern.count)...], as: UTF8.self)
        }
        return nil
    }
}

/// POSIX `write(2)`, callable where a type's own `write` method hides the free function.
func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
