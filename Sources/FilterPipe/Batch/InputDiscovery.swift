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

/// One image found for a batch: where it is and where its outputs go.
public struct BatchInput: Sendable, Equatable {
    /// The file, as found (the root given on the command line joined with the relative path).
    public var path: String
    /// The path relative to the input root it came from (a file given directly: its own name).
    public var relativePath: String
    /// The stem every output path is built from: `relativePath` without its extension, or (see
    /// `keptExtension`) with it.
    public var outputStem: String
    /// Another input has the same stem once extensions are dropped (`photo.jpg`, `photo.png`), so
    /// this one's outputs keep its extension (`OutputNaming`).
    public var keptExtension = false

    public init(path: String, relativePath: String, outputStem: String) {
        self.path = path
        self.relativePath = relativePath
        self.outputStem = outputStem
    }
}

/// Why a batch cannot start; nothing has been processed when it is thrown.
public struct BatchSetupError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// An output path is an input file, a link to one, or lies inside an input folder.
        case overwritesInput
        /// Two outputs are one file, or one output is another's folder.
        case outputClash
        /// An output file name is longer than the file system allows (NAME_MAX).
        case nameTooLong
        /// Anything else: a missing input, a file that is not ours to write.
        case other
    }

    public var message: String
    public var kind: Kind
    public init(_ message: String, kind: Kind = .other) {
        self.message = message
        self.kind = kind
    }
    /// The message with control characters escaped: one line.
    public var description: String { escapedForMessage(message) }
}

/// A path a folder walk met and did not take, with the reason (printed, never skipped silently).
public struct SkippedPath: Sendable, Equatable {
    public var path: String
    public var reason: String
}

/// Finds the images of a batch: files given directly, and folders walked recursively.
///
/// Hidden files and folders (leading `.`) are skipped; symbolic links to folders are not followed,
/// so a walk never leaves the trees it was given. A file is taken when its extension is `.png`,
/// `.jpg` or `.jpeg` (any case) or its first bytes are PNG/JPEG magic; whether it decodes is
/// found out later, and a failure then is reported, never skipped silently. Only regular files
/// (or links to them) are ever opened: a FIFO, device, socket, dangling link or link to a folder
/// inside a folder is returned in `skipped`, and a non-regular file given as an argument is refused.
public enum InputDiscovery {
    /// The inputs of `roots`, sorted by relative path (then by root, for equal relative paths).
    public static func find(_ roots: [String], excluding excluded: String? = nil) throws(BatchSetupError) -> [BatchInput] {
        try discover(roots, excluding: excluded).inputs
    }

    /// The inputs of `roots` and the paths the walks skipped (not regular files, unreadable folders).
    public static func discover(_ roots: [String], excluding excluded: String? = nil) throws(BatchSetupError) -> (
        inputs: [BatchInput], skipped: [SkippedPath]
    ) {
        var found: [(input: BatchInput, root: Int)] = []
        var skipped: [SkippedPath] = []
        for (index, root) in roots.enumerated() {
            var info = stat()
            guard stat(root, &info) == 0 else {
                throw BatchSetupError("\(root): \(String(cString: strerror(errno)))")
            }
            let type = info.st_mode & S_IFMT
            if type == S_IFDIR {
                let base = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
                var inputs: [BatchInput] = []
                walk(folder: base, relative: "", into: &inputs, skipped: &skipped, excluding: excluded.map(canonical))
                found += inputs.map { ($0, index) }
            } else if type == S_IFREG {
                let name = PathText.lastComponent(root)
                found.append((BatchInput(path: root, relativePath: name, outputStem: stem(of: name)), index))
            } else {
                throw BatchSetupError("\(root): is \(typeName(type)), not a regular file or a folder; refusing to read it")
            }
        }
        found.sort { a, b in
            a.input.relativePath == b.input.relativePath
                ? a.root < b.root : a.input.relativePath.utf8.lexicographicallyPrecedes(b.input.relativePath.utf8)
        }
        return (found.map(\.input), skipped)
    }

    static func stem(of relative: String) -> String {
        PathText.deletingExtension(relative)
    }

    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// "a FIFO", "a character device", ...: what a non-regular file is, for messages.
    static func typeName(_ type: mode_t) -> String {
        switch type {
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        case S_IFDIR: "a folder"
        default: "not a regular file"
        }
    }

    private static func walk(
        folder: String, relative: String, into found: inout [BatchInput], skipped: inout [SkippedPath],
        excluding excluded: String?
    ) {
        if let excluded, canonical(folder) == excluded { return }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            skipped.append(SkippedPath(path: folder, reason: "cannot read folder: \(describeFileError(error))"))
            return
        }
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = folder + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else {
                skipped.append(SkippedPath(path: path, reason: "cannot stat: \(String(cString: strerror(errno)))"))
                continue
            }
            let type = info.st_mode & S_IFMT
            if type == S_IFDIR {
                walk(folder: path, relative: rel, into: &found, skipped: &skipped, excluding: excluded)
                continue
            }
            if type == S_IFLNK {
                // A link to a file is an input; a link to a folder is not followed (documented).
                var target = stat()
                guard stat(path, &target) == 0 else {
                    skipped.append(SkippedPath(path: path, reason: "dangling symbolic link"))
                    continue
                }
                let targetType = target.st_mode & S_IFMT
                if targetType == S_IFDIR {
                    skipped.append(SkippedPath(path: path, reason: "a symbolic link to a folder, not followed"))
                    continue
                }
                guard targetType == S_IFREG else {
                    skipped.append(SkippedPath(path: path, reason: "links to \(typeName(targetType)), not a regular file"))
                    continue
                }
            } else if type != S_IFREG {
                skipped.append(SkippedPath(path: path, reason: "\(typeName(type)), not a regular file"))
                continue
            }
            if ImageCodec.isImageCandidate(path: path) {
                found.append(BatchInput(path: path, relativePath: rel, outputStem: stem(of: rel)))
            }
        }
    }
}
