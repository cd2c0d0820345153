import Foundation
import Testing

@testable import FilterPipe

@Test func unreadableFilesAreDescribedByTheSystemReason() throws {
    let folder = TemporaryFolder()
    let invalid = folder.write("latin1.filter", [0x61, 0xFF, 0xFE, 0x62])
    let cases: [(String, String)] = [
        (folder.path + "/missing.filter", "No such file or directory"),
        (folder.path, "Is a directory"),
        (invalid, "not valid UTF-8 text"),
    ]
    for (path, reason) in cases {
        #expect(throws: (any Error).self) { _ = try String(contentsOfFile: path, encoding: .utf8) }
        do {
            _ = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            #expect(describeFileError(error) == reason, "\(path)")
        }
    }
}

@Test func pipelineFromAMissingFileNamesTheReason() {
    #expect {
        _ = try Pipeline(contentsOf: "/nonexistent/x.filter")
    } throws: { error in
        "\(error)".contains("/nonexistent/x.filter") && "\(error)".contains("cannot read filter file: No such file or directory")
    }
}
