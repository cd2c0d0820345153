/// A kernel parameter value that is missing, unknown or out of range.
public struct KernelParameterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The parameter concerned (nil: the kernel name itself is unknown).
    public var parameter: String?
    public var message: String

    public init(parameter: String?, message: String) {
        self.parameter = parameter
        self.message = message
    }

    public var description: String { message }
}
