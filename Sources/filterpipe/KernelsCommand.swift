import ArgumentParser
import FilterPipe

/// `filterpipe kernels`: the built-in kernel catalogue with parameters, defaults and meanings.
struct KernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "List the built-in kernels a filter file can name with 'filter NAME = KERNEL param=value'.",
        discussion: """
            With a kernel NAME (and PARAM=VALUE arguments, as in a filter file), print that kernel's \
            matrix, one row a line: 'filterpipe kernels gaussian size=3 sigma=0.8'. An unknown kernel \
            or parameter, or an invalid value, is one line on stderr and exit status 2.
            """
    )

    @Flag(help: "Also print each kernel's weights for its default parameters.")
    var weights = false

    @Argument(help: ArgumentHelp("A kernel, then its parameters as PARAM=VALUE.", valueName: "NAME [PARAM=VALUE ...]"))
    var kernel: [String] = []

    func run() throws {
        if let name = kernel.first {
            try printMatrix(name: name, arguments: Array(kernel.dropFirst()))
            return
        }
        for (number, kernel) in KernelLibrary.all.enumerated() {
            if number > 0 { print() }
            let signature = kernel.parameters.map { "\($0.name)=\($0.defaultValue)" }.joined(separator: " ")
            print(signature.isEmpty ? kernel.name : "\(kernel.name) \(signature)")
            print("  \(kernel.meaning)")
            let width = kernel.parameters.map(\.name.count).max() ?? 0
            for parameter in kernel.parameters {
                let name = parameter.name.padding(width)
                print("  \(name)  \(parameter.meaning) (\(parameter.expected), default \(parameter.defaultValue))")
            }
            if weights, let matrix = try? kernel.matrix() {
                for row in 0..<matrix.rows {
                    let values = (0..<matrix.columns).map { format(matrix[row, $0]) }
                    print("    " + values.joined(separator: " "))
                }
            }
        }
    }

    /// `NAME` with `PARAM=VALUE` arguments: its parameters line, then its matrix.
    private func printMatrix(name: String, arguments: [String]) throws {
        var written: [(name: String, value: String)] = []
        for argument in arguments {
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("kernel parameters are PARAM=VALUE, not '\(argument)'")
            }
            written.append((String(parts[0]), String(parts[1])))
        }
        let matrix: Matrix
        do throws(KernelParameterError) {
            matrix = try KernelLibrary.matrix(named: name, writtenArguments: written)
        } catch {
            throw ValidationError(error.message)
        }
        let given = Dictionary(written.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        let definition = KernelLibrary.kernel(named: name)!
        let signature = definition.parameters.map { "\($0.name)=\(given[$0.name] ?? "\($0.defaultValue)")" }
        print(([name] + signature).joined(separator: " ") + "  (\(matrix.rows)×\(matrix.columns))")
        for row in 0..<matrix.rows {
            print((0..<matrix.columns).map { format(matrix[row, $0]) }.joined(separator: " "))
        }
    }

    private func format(_ value: Float) -> String {
        let text = value == value.rounded() && abs(value) < 1e6 ? String(Int(value)) : String(value)
        return text.padding(11, leading: true)
    }
}

extension String {
    fileprivate func padding(_ width: Int, leading: Bool = false) -> String {
        let fill = String(repeating: " ", count: Swift.max(0, width - count))
        return leading ? fill + self : self + fill
    }
}
