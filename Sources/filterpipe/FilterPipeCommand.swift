import ArgumentParser
import FilterPipe

@main
struct FilterPipeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filterpipe",
        abstract: "Run CNN-style convolution filter banks over folders of photos and write feature maps as PNGs.",
        subcommands: [CheckCommand.self, KernelsCommand.self]
    )
}
