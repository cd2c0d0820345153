import Foundation

/// Writes whole files so that a reader, a crash or `kill -9` never leaves a partial file under the
/// final name: the bytes go to a hidden temporary file in the same folder, which is renamed into
/// place (rename within one folder is atomic on POSIX file systems).
public enum AtomicFile {
    /// Writes `bytes` to `path`, replacing any file there.
    public static func write(_ bytes: [UInt8], to path: String) throws(ImageIOError) {
        let outcome = bytes.withUnsafeBytes { raw in
            Result { () throws(ImageIOError) in try write(raw, to: path) }
        }
        try outcome.get()
    }

    /// Writes the bytes in `bytes` to `path`, replacing any file there.
    static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws(ImageIOError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temp = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ImageIOError(.io, path: path, message: "cannot create file: \(String(cString: strerror(errno)))")
        }
        var written = 0
        var failure: Int32? = { (raw: UnsafeRawBufferPointer) -> Int32? in
            while written < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += n
            }
            return nil
        }(bytes)
        if close(fd) != 0 && failure == nil { failure = errno }
        if let failure {
            unlink(temp)
            throw ImageIOError(.io, path: path, message: "cannot write: \(String(cString: strerror(failure)))")
        }
        if rename(temp, path) != 0 {
            let code = errno
            unlink(temp)
            throw ImageIOError(.io, path: path, message: "cannot rename into place: \(String(cString: strerror(code)))")
        }
    }
}
