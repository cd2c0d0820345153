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

/// Output names for inputs that share a stem (`photo.jpg` and `photo.png` in one folder, or one
/// name in two input folders), decided from the whole sorted input list so that every shard of a
/// batch picks the same names.
///
/// An input whose stem is unique keeps it. The inputs of a shared stem keep their extension
/// (`photo.jpg` → `photo.jpg/…` or `photo.jpg.png`); if that name is still taken (by another input's
/// stem, or the same relative path under two input folders), `~2`, `~3`, … is appended, in input
/// order.
public enum OutputNaming {
    /// `inputs` (sorted, as `InputDiscovery` returns them) with unique output stems.
    public static func assign(_ inputs: [BatchInput]) -> [BatchInput] {
        var count: [String: Int] = [:]
        for input in inputs { count[input.outputStem, default: 0] += 1 }
        var taken = Set(inputs.compactMap { count[$0.outputStem] == 1 ? $0.outputStem : nil })
        return inputs.map { input in
            guard count[input.outputStem, default: 0] > 1 else { return input }
            var renamed = input
            var name = input.relativePath
            var suffix = 2
            while taken.contains(name) {
                name = input.relativePath + "~\(suffix)"
                suffix += 1
            }
            taken.insert(name)
            renamed.outputStem = name
            renamed.keptExtension = true
            return renamed
        }
    }
}

/// The check a batch passes before anything is written: no planned output may be an input (by
/// resolved path or by device and inode, whatever the spelling of OUTPUT: `.`, `./.`, `..`,
/// symbolic links), lie inside an input folder (a later run would read it as an input), be the
/// filter file or the manifest, be another output or another output's folder, or have a name
/// longer than NAME_MAX.
///
/// It runs once, over the full input list and every planned output, so what it decides does not
/// depend on the order images run in or on the shard.
public enum BatchSafety {
    /// Longest file name (one path component, in bytes) accepted for an output.
    public static let nameMax = 255

    /// A file that no output may replace, with how messages call it.
    public struct Protected: Sendable {
        public var path: String
        public var label: String
        public init(path: String, label: String) {
            self.path = path
            self.label = label
        }
    }

    /// Throws a `BatchSetupError` naming the first unsafe output (in input order).
    /// - Parameters:
    ///   - inputs: every input of the batch (not just this shard), with their final stems.
    ///   - roots: the INPUT arguments (folders among them may not receive outputs).
    ///   - extraOutputs: other files the run writes, relative to OUTPUT (the report's `index.html`).
    ///   - protected: other files no output may replace (the filter file, the manifest).
    ///   - filterName: names the filter file in a too-long-name message.
    public static func check(
        inputs: [BatchInput], roots: [String], output: OutputTree, spec: PipelineSpec, options: BatchOptions,
        extraOutputs: [String] = [], protected: [Protected] = [], filterName: String = "the filter file"
    ) throws(BatchSetupError) {
        var planned: [(file: String, owner: String)] = []
        for input in inputs {
            for file in OutputPlan(stem: input.outputStem, spec: spec, options: options).allFiles {
                planned.append((file, input.path))
            }
        }
        for file in extraOutputs { planned.append((file, "the report")) }
        try checkNames(planned, inputs: inputs, filterName: filterName)
        try checkClashes(planned, output: output)
        try checkInputs(planned, inputs: inputs, roots: roots, output: output, protected: protected)
    }

    private static func checkNames(
        _ planned: [(file: String, owner: String)], inputs: [BatchInput], filterName: String
    ) throws(BatchSetupError) {
        for input in inputs {
            for component in input.outputStem.split(separator: "/") where component.utf8.count + 4 > nameMax {
                throw BatchSetupError(
                    "\(input.path): its output name '\(component).png' is \(component.utf8.count + 4) bytes, "
                        + "over the file system's limit of \(nameMax) bytes (NAME_MAX); rename the input",
                    kind: .nameTooLong)
            }
        }
        for (file, _) in planned {
            let name = PathText.lastComponent(file)
            if name.utf8.count > nameMax {
                throw BatchSetupError(
                    "\(filterName): the output file name '\(name)' is \(name.utf8.count) bytes, over the file "
                        + "system's limit of \(nameMax) bytes (NAME_MAX); shorten the map name in the filter file",
                    kind: .nameTooLong)
            }
        }
    }

    /// Two outputs that are one file, or a file that another output needs as a folder.
    private static func checkClashes(_ planned: [(file: String, owner: String)], output: OutputTree) throws(BatchSetupError) {
        var files: [String: String] = [:]
        var folders: [String: String] = [:]
        for (file, owner) in planned {
            if let other = files[file] {
                throw BatchSetupError(
                    "\(other) and \(owner) would both write \(output.path(file)); rename one or run them separately",
                    kind: .outputClash)
            }
            files[file] = owner
            var folder = PathText.deletingLastComponent(file)
            while !folder.isEmpty && folders[folder] == nil {
                folders[folder] = owner
                folder = PathText.deletingLastComponent(folder)
            }
        }
        for (file, owner) in planned {
            if let other = folders[file] {
                throw BatchSetupError(
                    "\(owner) would write the file \(output.path(file)), which \(other) needs as a folder; "
                        + "rename one or run them separately", kind: .outputClash)
            }
        }
    }

    private struct FileID: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private static func checkInputs(
        _ planned: [(file: String, owner: String)], inputs: [BatchInput], roots: [String], output: OutputTree,
        protected: [Protected]
    ) throws(BatchSetupError) {
        // Every directory entry whose replacement would change what an input reads: its own path,
        // each symbolic link it goes through, and the file at the end.
        var entries: [String: String] = [:]
        var ids: [FileID: String] = [:]
        func protect(_ path: String, as label: String) {
            for entry in linkChain(path) where entries[entry] == nil { entries[entry] = label }
            var info = stat()
            if stat(path, &info) == 0 {
                let id = FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
                if ids[id] == nil { ids[id] = label }
            }
        }
        for input in inputs { protect(input.path, as: "input \(input.path)") }
        for file in protected { protect(file.path, as: file.label) }
        var folderRoots: [(real: String, given: String)] = []
        for root in roots {
            var info = stat()
            if stat(root, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, let real = resolved(root) {
                folderRoots.append((real, root))
            }
        }

        var folderCache: [String: (real: String, exists: Bool)] = [:]
        for (file, _) in planned {
            let relativeFolder = PathText.deletingLastComponent(file)
            let cached = folderCache[relativeFolder]
            let folder =
                cached ?? resolvedAllowingMissing(relativeFolder.isEmpty ? output.root : output.path(relativeFolder))
            folderCache[relativeFolder] = folder
            let entry = (folder.real == "/" ? "" : folder.real) + "/" + PathText.lastComponent(file)
            if let victim = entries[entry] {
                throw BatchSetupError(
                    "\(output.path(file)) would overwrite \(victim); choose another output folder", kind: .overwritesInput)
            }
            if cached == nil {
                for root in folderRoots where folder.real == root.real || folder.real.hasPrefix(root.real + "/") {
                    throw BatchSetupError(
                        "\(output.path(file)) would be written inside input folder \(root.given), where a later run "
                            + "would read it as an input; choose an output outside the inputs", kind: .overwritesInput)
                }
            }
            guard folder.exists else { continue }
            var info = stat()
            if stat(entry, &info) == 0, let victim = ids[FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))] {
                throw BatchSetupError(
                    "\(output.path(file)) is already a link to \(victim); choose another output folder",
                    kind: .overwritesInput)
            }
        }
    }

    /// The real path of an existing `path`, or nil.
    static func resolved(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// The real path of `path`'s folder joined with its last name (the directory entry a rename
    /// onto `path` replaces), then the same for each symbolic link it points through, ending with
    /// the real path of the file itself.
    static func linkChain(_ path: String) -> [String] {
        var chain: [String] = []
        var current = path
        for _ in 0..<40 {
            let entry = resolvedAllowingMissing(PathText.deletingLastComponent(absolute(current))).real
            let named = (entry == "/" ? "" : entry) + "/" + PathText.lastComponent(current)
            chain.append(named)
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(named, &buffer, buffer.count - 1)
            guard count > 0 else { break }
            let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = target.hasPrefix("/") ? target : PathText.deletingLastComponent(named) + "/" + target
        }
        if let real = resolved(path) { chain.append(real) }
        return chain
    }

    /// `path` made absolute against the working folder.
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(cString: buffer)
        return path.isEmpty ? cwd : (cwd == "/" ? "" : cwd) + "/" + path
    }

    /// The real path of the longest existing prefix of `path`, with the rest appended as written
    /// (`.` dropped, `..` taking off the last name), and whether all of `path` exists.
    static func resolvedAllowingMissing(_ path: String) -> (real: String, exists: Bool) {
        var current = "/"
        var exists = true
        for component in absolute(path).split(separator: "/") where component != "." {
            if exists, let real = resolved(current == "/" ? "/" + component : current + "/" + component) {
                current = real
                continue
            }
            exists = false
            if component == ".." {
                current = PathText.deletingLastComponent(current)
                if current.isEmpty { current = "/" }
            } else {
                current = (current == "/" ? "" : current) + "/" + component
            }
        }
        return (current, exists)
    }
}
