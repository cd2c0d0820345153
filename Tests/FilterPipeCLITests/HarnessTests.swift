import Foundation
import Testing

// The harness itself: a child that writes more than a pipe buffer must not stall a test.

/// 3000 undecodable inputs, each failing on a line of its own: about 190 KiB on stderr, three
/// times the 64 KiB a pipe holds, so the run finishes only if stderr drains while the child runs.
@Test func aRunThatFillsThePipeBufferFinishesBeforeItsTimeout() throws {
    let scratch = Scratch()
    let filter = scratch.write("id.filter", "input gray\n")
    for index in 0..<3000 { _ = scratch.write(String(format: "in/broken-photograph-%04d.png", index), "not a png") }
    let result = try CLI.run(["apply", filter, "in", "out"], in: scratch.path, timeout: 120)
    let failures = result.stderr.split(separator: "\n").filter { $0.contains("broken-") }
    #expect(result.stderr.utf8.count > 65_536)
    #expect(failures.count == 3000)
    #expect(result.status == 1)
}
