import Testing

@testable import FilterPipe

@Test(arguments: [
    // The codec's error about the input itself: the input named once.
    (FilterPipeError.image(ImageIOError(.corrupt, path: "in/a.png", message: "bad CRC")), "in/a.png: bad CRC"),
    // An output that could not be written: both files named (the old string stripping lost the output).
    (
        FilterPipeError.image(ImageIOError(.io, path: "out/a/00-x.png", message: "cannot write: No space left on device")),
        "in/a.png: out/a/00-x.png: cannot write: No space left on device"
    ),
    (FilterPipeError.image(ImageIOError(.encode, message: "encoding failed")), "in/a.png: encoding failed"),
    // A folder on the way to an output: the folder named after the input.
    (
        FilterPipeError.output(OutputError(path: "out/a", message: "exists and is not a folder")),
        "in/a.png: out/a: exists and is not a folder"
    ),
    (
        FilterPipeError.pipeline(PipelineError("layer 1 (conv): output would be empty")),
        "in/a.png: layer 1 (conv): output would be empty"
    ),
])
func anImageFailureNamesTheInputOnceAndAnyOtherFileAfterIt(cause: FilterPipeError, line: String) {
    #expect(ImageFailure(input: "in/a.png", cause: cause).description == line)
}

/// Folders and files the batch creates fail as `OutputError`s (the codecs' `ImageIOError` is for
/// reading and encoding images), and a batch reports them against the image that needed them.
@Test func anOutputFolderBlockedByAFileFailsAsAnOutputErrorNamingTheFolder() throws {
    let folder = TemporaryFolder()
    let tree = OutputTree(root: folder.path)
    try AtomicFile.write([1], to: folder.path + "/a")
    #expect(throws: OutputError(path: folder.path + "/a", message: "exists and is not a folder")) {
        try tree.makeFolder("a/maps")
    }
}
