import ArgumentParser
import FilterPipe

/// `filterpipe kernels`: the built-in kernel catalogue with parameters, defaults and meanings.
struct KernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "List the built-in kernels a filter file can name with 'filter NAME = KERNEL param=value'."
    )

    @Flag(help: "Also print each kernel's weights for its default parameters.")
    var weights = false

    func run() {
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
