import ArgumentParser
import FilterPipe

/// The checks `apply` makes before anything is written: options that cannot apply together, and
/// the batch's inputs against its outputs (`BatchSafety`).
extension ApplyCommand {
    /// Options that `--format npy` would silently ignore are usage errors.
    func validateOptionConflicts() throws {
        guard format == .npy else { return }
        var ignored: [String] = []
        if montage { ignored.append("--montage") }
        if stages { ignored.append("--stages") }
        if report { ignored.append("--report") }
        if depth != 8 { ignored.append("--depth") }
        if colormap != nil { ignored.append("--colormap") }
        if kind != nil { ignored.append("--kind") }
        if normalize != nil { ignored.append("--normalize") }
        if percentile != nil { ignored.append("--percentile") }
        if range != nil { ignored.append("--range") }
        if pngLevel != 1 { ignored.append("--png-level") }
        if !ignored.isEmpty {
            throw ValidationError(
                "--format npy writes the raw tensor; \(ignored.joined(separator: ", ")) cannot apply to it")
        }
    }

    /// Options the output kind makes pointless: `--montage` with `output image` (the maps become one
    /// picture; nothing to lay out) and `--depth 16` with `output montage` without `--stages` (a
    /// montage is 8-bit RGB) are usage errors; `--depth 16` over a colour map named by the filter
    /// file gets one warning (16-bit maps are gray; the file still runs as written otherwise).
    func checkKindConflicts(output: OutputSpec, fileColormap: OutputSpec.Colormap?) throws {
        guard format == .png else { return }
        if montage && output.kind == .image {
            throw ValidationError(
                "--montage cannot apply to output image (its maps are composed into one picture); use --kind maps --montage or --kind montage"
            )
        }
        if depth == 16 && output.kind == .montage && !stages {
            throw ValidationError("--depth 16 cannot apply to output montage (a montage is 8-bit RGB); use --kind maps")
        }
        if depth == 16, colormap == nil, let fileColormap, fileColormap != .gray, output.kind != .image {
            printError(
                "filterpipe: warning: --depth 16 writes gray maps; colormap=\(fileColormap.rawValue) of \(filter) is not applied")
        }
    }

    /// `--normalize`, `--percentile` and `--range` over the filter file's output line: a flag's
    /// normalisation replaces the file's along with its percentile or range.
    func applyScalingFlags(to output: inout OutputSpec) throws {
        if let percentile {
            if let normalize, normalize != .percentile {
                throw ValidationError("--percentile applies to --normalize percentile, not --normalize \(normalize.rawValue)")
            }
            if !(percentile > 50 && percentile <= 100) {
                throw ValidationError("--percentile must be above 50 and at most 100, not \(percentile)")
            }
        }
        var fixed: ClosedRange<Float>?
        if let range {
            if let normalize, normalize != .range {
                throw ValidationError("--range applies to --normalize range, not --normalize \(normalize.rawValue)")
            }
            let parsed = OutputSpec.parseRange(range)
            guard let value = parsed.range else { throw ValidationError("--range: \(parsed.problem!)") }
            fixed = value
        }
        if let mode = normalize ?? (percentile != nil ? .percentile : fixed != nil ? .range : nil) {
            output.normalization = mode
            if mode != .percentile { output.percentile = nil }
            if mode != .range { output.range = nil }
        }
        if let percentile { output.percentile = percentile }
        if let fixed { output.range = fixed }
        if output.effectiveNormalization == .range && output.range == nil {
            throw ValidationError("--normalize range needs --range LO..HI")
        }
    }

    /// The size limit of `--max-file-size`.
    func maxFileBytes() throws -> Int {
        guard let maxFileSize else { return DecodeLimits.defaultMaxFileBytes }
        do {
            return try Self.parseSize(maxFileSize)
        } catch {
            throw ValidationError("--max-file-size must be a size such as 64M or 2G, not '\(maxFileSize)'")
        }
    }

    /// Finds every input, names their outputs (shared stems keep their extension), and refuses a
    /// batch that would write onto an input, the filter file or the manifest, or whose outputs
    /// clash, before any image is read. Prints each skipped path and, once, the renamed stems.
    func prepareInputs(tree: OutputTree, pipeline: Pipeline, options: BatchOptions) throws(BatchSetupError) -> [BatchInput] {
        let spec = pipeline.spec, layout = pipeline.mapLayout(options: options)
        try tree.checkSeparate(from: inputs)
        let discovery = try InputDiscovery.discover(inputs)
        for skipped in discovery.skipped {
            printError(escapedForMessage("\(skipped.path): skipped: \(skipped.reason)"))
        }
        let named = OutputNaming.assign(discovery.inputs)
        let renamed = named.filter(\.keptExtension)
        if !renamed.isEmpty {
            let examples = renamed.prefix(3).map { "\($0.relativePath) → \($0.outputStem)" }.joined(separator: ", ")
            printError(
                escapedForMessage(
                    "filterpipe: \(renamed.count) inputs share a name once the extension is dropped; their outputs "
                        + "keep the extension (\(examples)\(renamed.count > 3 ? ", …" : "")); the manifest records each as kept_extension"
                ))
        }
        var protected = [BatchSafety.Protected(path: filter, label: "the filter file \(filter)")]
        if let manifest { protected.append(BatchSafety.Protected(path: manifest, label: "the manifest \(manifest)")) }
        try BatchSafety.check(
            inputs: named, roots: inputs, output: tree, spec: spec, options: options,
            extraOutputs: report ? ReportBuilder.plannedFiles(spec: spec, options: options, inputs: named, layout: layout) : [],
            protected: protected, filterName: filter, layout: layout)
        return named
    }
}
