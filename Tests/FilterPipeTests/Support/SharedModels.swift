import Foundation

/// The trained networks and ONNX conformance cases at `../shared/models` (see its README.md).
/// Absent in a fresh clone: tests using them are `.enabled(if: SharedModels.isAvailable)`.
enum SharedModels {
    /// `…/shared/models`, beside the package root.
    static let root: URL = SharedTestData.root.deletingLastPathComponent().appendingPathComponent("models")

    static let isAvailable: Bool = FileManager.default.fileExists(atPath: root.appendingPathComponent("README.md").path)

    /// The absolute path of a file given relative to `root`.
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// The folders of `onnx-node-tests` (empty when absent), sorted.
    static let conformanceCases: [String] = {
        let folder = root.appendingPathComponent("onnx-node-tests")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }()
}
