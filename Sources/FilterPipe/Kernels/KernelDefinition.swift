// A named kernel of the built-in library: its parameters (with defaults) and how to build its weights.

/// One built-in kernel: name, meaning, parameters and the weights they give.
public struct KernelDefinition: Sendable {
    /// One parameter of a kernel.
    public struct Parameter: Sendable {
        public enum Kind: Sendable, Equatable {
            /// An integer at least `minimum`.
            case integer(minimum: Int)
            /// A finite number; `positive` requires > 0.
            case number(positive: Bool)
            /// One of the listed words.
            case choice([String])
        }

        static let largestInteger = 1025

        public let name: String
        public let kind: Kind
        public let defaultValue: KernelArgument
        /// One line: what it controls and its unit.
        public let meaning: String

        /// What a value must look like, for error messages: "an integer ≥ 1", "4 or 8".
        public var expected: String {
            switch kind {
            case .integer(let minimum): "an integer ≥ \(minimum)"
            case .number(let positive): positive ? "a number > 0" : "a number"
            case .choice(let words): words.dropLast().joined(separator: ", ") + " or " + words.last!
            }
        }

        /// `argument` checked against `kind`: integers widen to numbers and to choices ("4").
        public func validate(_ argument: KernelArgument) throws(KernelParameterError) -> KernelArgument {
            switch (kind, argument) {
            case (.integer(let minimum), .integer(let value)) where value >= minimum:
                // A 1025×1025 kernel already has a million weights.
                guard value <= Self.largestInteger else {
                    throw KernelParameterError(
                        parameter: name, message: "\(name)=\(value) is too large (at most \(Self.largestInteger))")
                }
                return argument
            case (.number(let positive), .integer(let value)) where !positive || value > 0:
                return .number(Double(value))
            case (.number(let positive), .number(let value)) where value.isFinite && (!positive || value > 0):
                return argument
            case (.choice(let words), .choice(let word)) where words.contains(word):
                return argument
            case (.choice(let words), .integer(let value)) where words.contains(String(value)):
                return .choice(String(value))
            default:
                throw KernelParameterError(
                    parameter: name,
                    message: "invalid value '\(argument)' for \(name) (expected \(expected))")
            }
        }

        /// Reads `text` as written in a filter file, nil if it is not `kind`'s syntax.
        func argument(fromText text: String) -> KernelArgument? {
            switch kind {
            case .integer: Int(text).map(KernelArgument.integer)
            case .number: FilterFileLexer.decimal(text).map(KernelArgument.number)
            case .choice: .choice(text)
            }
        }
    }

    public let name: String
    /// One line: what the kernel responds to.
    public let meaning: String
    public let parameters: [Parameter]
    let build: @Sendable (Arguments) throws(KernelParameterError) -> [[Double]]

    /// Validated arguments, every parameter present (defaults filled in).
    struct Arguments {
        var values: [String: KernelArgument]

        func integer(_ name: String) -> Int {
            guard case .integer(let value) = values[name] else { preconditionFailure("\(name) is not an integer") }
            return value
        }

        func number(_ name: String) -> Double {
            switch values[name] {
            case .number(let value): return value
            case .integer(let value): return Double(value)
            default: preconditionFailure("\(name) is not a number")
            }
        }

        func choice(_ name: String) -> String {
            guard case .choice(let value) = values[name] else { preconditionFailure("\(name) is not a choice") }
            return value
        }
    }

    /// The weights for `arguments` (missing parameters take their defaults), rows top to bottom.
    public func matrix(_ arguments: [String: KernelArgument] = [:]) throws(KernelParameterError) -> Matrix {
        let rows = try values(arguments)
        return Matrix(rows: rows.count, columns: rows[0].count, values: rows.flatMap { $0.map(Float.init) })
    }

    /// The weights in double precision, rows top to bottom.
    public func values(_ arguments: [String: KernelArgument] = [:]) throws(KernelParameterError) -> [[Double]] {
        var resolved: [String: KernelArgument] = [:]
        for (name, argument) in arguments {
            guard let parameter = parameters.first(where: { $0.name == name }) else {
                let known =
                    parameters.isEmpty
                    ? "\(self.name) takes no parameters" : "expected " + parameters.map(\.name).joined(separator: ", ")
                throw KernelParameterError(
                    parameter: name, message: "unknown parameter '\(name)' for kernel \(self.name) (\(known))")
            }
            resolved[name] = try parameter.validate(argument)
        }
        for parameter in parameters where resolved[parameter.name] == nil {
            resolved[parameter.name] = parameter.defaultValue
        }
        return try build(Arguments(values: resolved))
    }
}
