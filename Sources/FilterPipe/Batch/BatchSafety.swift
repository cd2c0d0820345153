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
    ///   - layout: the maps' names (`Pipeline.mapLayout`; nil: `spec`'s, a filter file's).
    public static func check(
        inputs: [BatchInput], roots: [String], output: OutputTree, spec: PipelineSpec, options: BatchOptions,
        extraOutputs: [String] = [], protected: [Protected] = [], filterName: String = "the filter file",
        layout: MapLayout? = nil
    ) throws(BatchSetupError) {
        var planned: [(file: String, owner: String)] = []
        let layout = layout ?? MapLayout(spec: spec, stages: options.stages)
        for input in inputs {
            for file in OutputPlan(stem: input.outputStem, layout: layout, options: options).allFiles {
                planned.append((file, input.path))
            }
        }
        for file in extraOutputs { planned.append((file, "the report")) }
        try checkNames(planned, inputs: inputs, filterName: filterName)
        try checkClashes(planned, output: output)
        try checkInputs(planned, inputs: inputs, roots: roots, output: output, protected: protected)
    }

    /// Throws when a map name of `spec` gives an output file name over NAME_MAX (with any output
    /// kind, `--stages` included), naming `filterName`: what `filterpipe check` reports.
    public static func checkMapNames(spec: PipelineSpec, filterName: String) throws(BatchSetupError) {
        var options = BatchOptions()
        options.output.kind = .maps
        options.stages = true
        let files = OutputPlan(stem: "x", spec: spec, options: options).allFiles.map { ($0, filterName) }
        try checkNames(files, inputs: [], filterName: filterName)
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
            let name = split(file).name
            if name.utf8.count > nameMax {
                throw BatchSetupError(
                    "\(filterName): the output file name '\(name.prefix(32))…' is \(name.utf8.count) bytes, over the file "
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
            var folder = split(file).folder
            while !folder.isEmpty && folders[folder] == nil {
                folders[folder] = owner
                folder = split(folder).folder
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

    /// A directory entry, independent of how its path is spelt: the folder's device and inode, and the name in it.
    private struct Entry: Hashable {
        var device: UInt64
        var folder: UInt64
        var name: String
    }

    private static func entry(folder: String, name: String) -> Entry? {
        var info = stat()
        guard stat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return nil }
        return Entry(device: UInt64(info.st_dev), folder: UInt64(info.st_ino), name: name)
    }

    // Every file is written to a temporary name and renamed into place (`AtomicFile`), which
    // replaces the directory entry and never writes into an existing inode. So an input is
    // overwritten exactly when an output's entry is one of the entries its path resolves through:
    // compared by (device, inode of the folder, name) where the folder exists (whatever the
    // spelling: `.`, `..`, symbolic links, bind mounts), by resolved path where it does not yet.
    private static func checkInputs(
        _ planned: [(file: String, owner: String)], inputs: [BatchInput], roots: [String], output: OutputTree,
        protected: [Protected]
    ) throws(BatchSetupError) {
        var paths: [String: String] = [:]
        var entries: [Entry: String] = [:]
        var resolvedFolders: [String: String] = [:]
        var folderIDs: [String: (device: UInt64, inode: UInt64)?] = [:]
        func protect(_ path: String, as label: String) {
            for named in linkChain(path, folders: &resolvedFolders) {
                if paths[named] == nil { paths[named] = label }
                let (folder, name) = split(named)
                if folderIDs[folder] == nil { folderIDs[folder] = entry(folder: folder, name: "").map { ($0.device, $0.folder) } }
                if let id = folderIDs[folder] ?? nil {
                    let key = Entry(device: id.device, folder: id.inode, name: name)
                    if entries[key] == nil { entries[key] = label }
                }
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

        let root = resolvedAllowingMissing(output.root)
        var folderCache: [String: OutputFolder] = [:]
        for (file, _) in planned {
            let (relativeFolder, name) = split(file)
            var folder: OutputFolder
            if let cached = folderCache[relativeFolder] {
                folder = cached
            } else {
                folder = outputFolder(root: root, relative: relativeFolder)
                folder.insideInput =
                    folderRoots.first { folder.real == $0.real || folder.real.hasPrefix($0.real + "/") }?.given
                folderCache[relativeFolder] = folder
            }
            // A symbolic link or a file on the way: `OutputTree.makeFolder` refuses to write there.
            guard !folder.blocked else { continue }
            let path = (folder.real == "/" ? "" : folder.real) + "/" + name
            var victim = paths[path]
            var info = stat()
            let existing = folder.exists && lstat(path, &info) == 0
            if victim == nil, existing, let key = entry(folder: folder.real, name: name) { victim = entries[key] }
            if let victim {
                throw BatchSetupError(
                    "\(output.path(file)) would overwrite \(victim); choose another output folder", kind: .overwritesInput)
            }
            // A folder already there: the rename onto it fails (that image is reported), nothing is replaced.
            if existing && (info.st_mode & S_IFMT) == S_IFDIR { continue }
            if let given = folder.insideInput {
                throw BatchSetupError(
                    "\(output.path(file)) would be written inside input folder \(given), where a later run "
                        + "would read it as an input; choose an output outside the inputs", kind: .overwritesInput)
            }
        }
    }

    private struct OutputFolder {
        var real: String
        var exists: Bool
        var blocked: Bool
        /// The input folder (as given) this folder lies in, if any.
        var insideInput: String? = nil
    }

    /// Where OUTPUT/`relative` is, as `OutputTree.makeFolder` would reach it: OUTPUT itself through
    /// any links, then only through real folders (a link or a file below OUTPUT blocks the way).
    private static func outputFolder(root: (real: String, exists: Bool), relative: String) -> OutputFolder {
        var current = root.real
        var exists = root.exists
        for component in relative.split(separator: "/") {
            let next = (current == "/" ? "" : current) + "/" + component
            if exists {
                var info = stat()
                if lstat(next, &info) == 0 {
                    if (info.st_mode & S_IFMT) != S_IFDIR { return OutputFolder(real: next, exists: false, blocked: true) }
                } else {
                    exists = false
                }
            }
            current = next
        }
        return OutputFolder(real: current, exists: exists, blocked: false)
    }

    /// `a/b/c.png` → (`a/b`, `c.png`); `c.png` → (``, `c.png`). For the clean relative paths of a plan
    /// (no `//`, no trailing `/`), and fast: a batch plans hundreds of thousands of files.
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return ("", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
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
    static func linkChain(_ path: String, folders: inout [String: String]) -> [String] {
        var chain: [String] = []
        var current = path
        for _ in 0..<40 {
            let parent = PathText.deletingLastComponent(absolute(current))
            let entry = folders[parent] ?? resolvedAllowingMissing(parent).real
            folders[parent] = entry
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
