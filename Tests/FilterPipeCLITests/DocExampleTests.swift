import FilterPipe
import Foundation
import Testing

// Every filter file the docs show (a fence tagged `filter` in README.md or docs/*.md) must pass
// `check` and run with `apply`; a `check` fence after it is the table `check` must print for it.
// A doc example that stops working fails here, not in a user's first run.

struct DocExample: Sendable, CustomTestStringConvertible {
    var document: String
    var line: Int
    var text: String
    /// The `check` output shown for it, if any (its first line names the size).
    var checkOutput: String?
    var testDescription: String { "\(document):\(line)" }
}

/// The `filter` fences of the README and docs, each with the `check` fence that follows it (before the next `filter`).
func documentedFilterExamples() -> [DocExample] {
    let documents =
        ["README.md"]
        + ((try? FileManager.default.contentsOfDirectory(atPath: CLI.root + "/docs")) ?? [])
        .filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
    var examples: [DocExample] = []
    for document in documents {
        guard let text = try? String(contentsOfFile: CLI.root + "/" + document, encoding: .utf8) else { continue }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        while index < lines.count {
            let fence = lines[index].trimmingCharacters(in: .whitespaces)
            guard fence == "```filter" || fence == "```check" else {
                index += 1
                continue
            }
            let start = index + 1
            var end = start
            while end < lines.count, !lines[end].trimmingCharacters(in: .whitespaces).hasPrefix("```") { end += 1 }
            let body = lines[start..<end].joined(separator: "\n") + "\n"
            if fence == "```filter" {
                examples.append(DocExample(document: document, line: start, text: body))
            } else if let last = examples.indices.last, examples[last].document == document, examples[last].checkOutput == nil {
                examples[last].checkOutput = body
            }
            index = end + 1
        }
    }
    return examples
}

@Test func theDocsShowFilterExamplesForTheTestBelow() {
    // README's gradients.filter, filter-format.md's tour (with its check table): the extractor must find them.
    let examples = documentedFilterExamples()
    #expect(examples.count >= 2)
    #expect(examples.contains { $0.document == "README.md" })
    #expect(examples.contains { $0.document == "docs/filter-format.md" && $0.checkOutput != nil })
}

@Test(arguments: documentedFilterExamples())
func everyDocumentedFilterFilePassesCheckAndRunsWithApply(_ example: DocExample) throws {
    // A doc example runs as if saved in samples/filters/: its weight files (`weights=../weights/…`)
    // are the ones samples/weights holds.
    let scratch = Scratch()
    _ = scratch.write("filters/example.filter", example.text)
    scratch.copy(CLI.samples + "/weights", to: "weights")
    let folder = scratch.file("filters")
    var size = "451x300"
    if let header = example.checkOutput?.split(separator: "\n").first,
        let range = header.range(of: "input ")
    {
        size = String(header[range.upperBound...])
    }
    let check = try CLI.run(["check", "example.filter", "--size", size], in: folder)
    #expect(check.status == 0, "\(check.stderr)")
    if let shown = example.checkOutput {
        #expect(check.stdout.hasPrefix(shown), "check printed:\n\(check.stdout)")
    }
    scratch.copy(CLI.samples + "/images/chelsea.png", to: "filters/in/chelsea.png")
    let apply = try CLI.run(["apply", "example.filter", "in", "out", "--quiet"], in: folder)
    #expect(apply.status == 0, "\(apply.stderr)")
    #expect(!scratch.files(under: "filters/out").isEmpty)
}
