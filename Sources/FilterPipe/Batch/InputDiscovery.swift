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
    /// `relativePath` without its extension: the stem every output path is built from.
    public var outputStem: String

    public init(path: String, relativePath: String, outputStem: String) {
        self.path = path
        self.relativePath = relativePath
        self.outputStem = outputStem
    }
}

/// Why a batch cannot start; nothing has been processed when it is thrown.
public struct BatchSetupError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Finds the images of a batch: files given directly, and folders walked recursively.
///
/// Hidden files and folders (leading `.`) are skipped; symbolic links to folders are not followed,
/// so a walk never leaves the trees it was given. A file is taken when its extension is `.png`,
/// `.jpg` or `.jpeg` (any case) or its first bytes are PNG/JPEG magic; whether it decodes is
/// found out later, and a failure then is reported, never skipped silently.
public enum InputDiscovery {
    public static func find(_ roots: [String], excluding excluded: String? = nil) throws(BatchSetupError) -> [BatchInput] {
        var found: [BatchInput] = []
        for root in roots {
            var info = stat()
            guard stat(root, &info) == 0 else {
                throw BatchSetupError("\(root): \(String(cString: strerror(errno)))")
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                let base = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
                walk(folder: base, relative: "", into: &found, excluding: excluded.map(canonical))
            } else {
                let name = PathText.lastComponent(root)
                found.append(BatchInput(path: root, relativePath: name, outputStem: stem(of: name)))
            }
        }
        found.sort { $0.relativePath.utf8.lexicographicallyPrecedes($1.relativePath.utf8) }
        return found
    }

    /// Stops the batch when two inputs would write the same outputs, naming both.
    public static func checkCollisions(_ inputs: [BatchInput]) throws(BatchSetupError) {
        var seen: [String: String] = [:]
        for input in inputs {
            if let other = seen[input.outputStem] {
                throw BatchSetupError(
                    "\(other) and \(input.path) would both write to '\(input.outputStem)': rename one or run them separately")
            }
            seen[input.outputStem] = input.path
        }
    }

    static func stem(of relative: String) -> String {
        PathText.deletingExtension(relative)
    }

    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    private static func walk(folder: String, relative: String, into found: inout [BatchInput], excluding excluded: String?) {
        if let excluded, canonical(folder) == excluded { return }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where !name.hasPrefix(".") {
            let path = folder + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let type = info.st_mode & S_IFMT
            if type == S_IFDIR {
                walk(folder: path, relative: rel, into: &found, excluding: excluded)
            } else if type == S_IFREG || type == S_IFLNK {
                if type == S_IFLNK {
                    // A link to a file is an input; a link to a folder is not followed.
                    var target = stat()
                    guard stat(path, &target) == 0, (target.st_mode & S_IFMT) == S_IFREG else { continue }
                }
                if ImageCodec.isImageCandidate(path: path) {
                    found.append(BatchInput(path: path, relativePath: rel, outputStem: stem(of: rel)))
                }
            }
        }
    }
}
