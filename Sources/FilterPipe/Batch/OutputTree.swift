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

/// The output folder of a batch, and the only code that creates folders in it.
///
/// Output paths are built from input-relative paths, which never contain `..` (they come from a
/// directory walk or a file name). Folders are created one component at a time, and an existing
/// component that is a symbolic link is refused, so nothing is ever written outside OUTPUT.
public struct OutputTree: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    /// Refuses an OUTPUT that is an input folder, lies inside one, or is an input file.
    public func checkSeparate(from inputs: [String]) throws(BatchSetupError) {
        let out = InputDiscovery.canonical(root)
        for input in inputs {
            let inPath = InputDiscovery.canonical(input)
            if out == inPath || out.hasPrefix(inPath.hasSuffix("/") ? inPath : inPath + "/") {
                throw BatchSetupError(
                    "output folder \(root) is inside input \(input): choose an output outside the inputs, so no input is ever overwritten"
                )
            }
        }
        // OUTPUT may be a link to a folder (`makeFolder` follows it, and only it), not a dangling one.
        var info = stat(), link = stat()
        if lstat(root, &link) == 0, stat(root, &info) != 0 || (info.st_mode & S_IFMT) != S_IFDIR {
            throw BatchSetupError("\(root): exists and is not a folder")
        }
    }

    /// `root/relative`.
    public func path(_ relative: String) -> String { root + "/" + relative }

    /// Creates `root/relativeFolder` and its parents, refusing symbolic links on the way.
    public func makeFolder(_ relativeFolder: String) throws(OutputError) {
        var current = root
        try makeOne(current, isRoot: true)
        for component in relativeFolder.split(separator: "/") where !component.isEmpty {
            guard component != "..", component != "." else {
                throw OutputError(path: path(relativeFolder), message: "refusing path component '\(component)'")
            }
            current += "/" + component
            try makeOne(current, isRoot: false)
        }
    }

    private func makeOne(_ folder: String, isRoot: Bool) throws(OutputError) {
        var info = stat()
        if lstat(folder, &info) == 0 {
            let type = info.st_mode & S_IFMT
            if type == S_IFDIR { return }
            if type == S_IFLNK && isRoot {
                var target = stat()
                if stat(folder, &target) == 0, (target.st_mode & S_IFMT) == S_IFDIR { return }
            }
            throw OutputError(
                path: folder,
                message: type == S_IFLNK
                    ? "is a symbolic link; refusing to write through it"
                    : "exists and is not a folder")
        }
        if isRoot {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw OutputError(path: folder, message: "cannot create folder: \(describeFileError(error))")
            }
        } else if mkdir(folder, 0o755) != 0 && errno != EEXIST {
            throw OutputError(path: folder, message: "cannot create folder: \(String(cString: strerror(errno)))")
        }
    }

    /// True if `relative` is a regular file (not a link) modified after `date`.
    public func isFreshRegularFile(_ relative: String, newerThan date: Date) -> Bool {
        var info = stat()
        guard lstat(path(relative), &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        let mtime = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
        return mtime > date
    }
}
