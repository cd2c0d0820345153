import ArgumentParser
import FilterPipe
import Foundation

@main
struct FilterPipeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filterpipe",
        abstract: "Run CNN-style convolution filter banks over folders of photos and write feature maps as PNGs.",
        subcommands: [ApplyCommand.self, CheckCommand.self, KernelsCommand.self, ShowCommand.self]
    )

    /// Usage errors exit 2 (as the docs promise), not ArgumentParser's 64; help and version exit 0.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                let message = fullMessage(for: error)
                FileHandle.standardError.write(Data((message + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Prints one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Loads a filter file and builds its pipeline, or prints the one-line error and exits 2.
func loadPipeline(_ path: String) throws -> Pipeline {
    let text: String
    do {
        text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        printError("\(path): cannot read filter file: \((error as NSError).localizedDescription)")
        throw ExitCode(2)
    }
    do {
        let spec = try FilterFileParser.parse(text, fileName: path)
        return try Pipeline(spec: spec)
    } catch let error as FilterFileError {
        printError(error.description)
        throw ExitCode(2)
    } catch {
        printError("\(path): \(error)")
        throw ExitCode(2)
    }
}
