import Testing

@testable import FilterPipe

private func bank(_ names: [String], depthwise: Bool = false) -> StageSpec {
    .conv(
        ConvSpec(
            filters: names.map { FilterSpec(name: $0, channels: [Matrix(rows: 1, columns: 1, values: [1])]) },
            depthwise: depthwise))
}

@Test func mapFilesAreNumberedSoTheySortInMapOrder() {
    let names = (0..<12).map { "f\($0)" }
    let plan = OutputPlan(stem: "a/cat", spec: PipelineSpec(stages: [bank(names)]), options: BatchOptions())
    #expect(plan.maps.first?.relativePath == "a/cat/00-f0.png")
    #expect(plan.maps.last?.relativePath == "a/cat/11-f11.png")
    #expect(plan.maps.map(\.relativePath).sorted() == plan.maps.map(\.relativePath))
}

@Test func aPipelineWithoutStagesWritesTheInputChannels() {
    let plan = OutputPlan(stem: "cat", spec: PipelineSpec(input: .rgb), options: BatchOptions())
    #expect(plan.maps.map(\.relativePath) == ["cat/00-r.png", "cat/01-g.png", "cat/02-b.png"])
}

@Test func depthwiseMapsAreNamedChannelMajor() {
    let spec = PipelineSpec(input: .rgb, stages: [bank(["blur", "edge"], depthwise: true)])
    #expect(spec.finalMapNames(inputChannels: 3) == ["c0-blur", "c0-edge", "c1-blur", "c1-edge", "c2-blur", "c2-edge"])
}

@Test(arguments: [
    (BatchOptions.Format.npy, OutputSpec.Kind.maps, "cat.npy"),
    (.png, .image, "cat.png"),
    (.png, .montage, "cat.png"),
])
func singleFileOutputsAreNamedAfterTheImage(format: BatchOptions.Format, kind: OutputSpec.Kind, file: String) {
    var options = BatchOptions()
    options.format = format
    options.output.kind = kind
    let plan = OutputPlan(stem: "cat", spec: PipelineSpec(stages: [bank(["a"])]), options: options)
    #expect(plan.allFiles == [file])
}

@Test func stagesFlagAddsAFolderPerIntermediateStage() {
    var options = BatchOptions()
    options.stages = true
    options.montage = true
    let spec = PipelineSpec(stages: [bank(["x", "y"]), .activation(.relu), .pool(PoolSpec(kind: .max, size: 2))])
    let plan = OutputPlan(stem: "cat", spec: spec, options: options)
    #expect(plan.montage == "cat/montage.png")
    #expect(
        plan.stageMaps.map { $0.map(\.relativePath) } == [
            ["cat/stage-1-conv/00-x.png", "cat/stage-1-conv/01-y.png"],
            ["cat/stage-2-relu/00-x.png", "cat/stage-2-relu/01-y.png"],
        ])
}

@Test func mapNamesCannotEscapeTheirFolder() {
    #expect(OutputPlan.safeFileName("../../etc/passwd") == "_._.._etc_passwd")
    #expect(!OutputPlan.safeFileName("a/b").contains("/"))
}

@Test func montageFilesAreTheMontageKindAndTheExtraMontageOnly() {
    let spec = PipelineSpec(input: .gray)
    var options = BatchOptions()
    options.output = OutputSpec(kind: .image)
    #expect(OutputPlan(stem: "x/montage", spec: spec, options: options).montageFiles.isEmpty)
    options.output = OutputSpec(kind: .montage)
    #expect(OutputPlan(stem: "x/montage", spec: spec, options: options).montageFiles == ["x/montage.png"])
    options.output = OutputSpec(kind: .maps)
    options.montage = true
    #expect(OutputPlan(stem: "a", spec: spec, options: options).montageFiles == ["a/montage.png"])
}
