/// Why an image could not be read or written. Its description is one line naming the file.
public struct ImageIOError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The file could not be opened, read or written (the OS error is in `message`).
        case io
        /// The content is neither PNG nor JPEG.
        case unknownFormat
        /// A valid file using a feature filterpipe cannot decode (12-bit or lossless JPEG, ...).
        case unsupported
        /// The data is damaged: bad CRC on a critical chunk, bad Huffman code, inconsistent header.
        case corrupt
        /// The data ends early.
        case truncated
        /// The declared image exceeds the pixel limit or a memory limit.
        case tooLarge
        /// Encoding failed.
        case encode
    }

    public var code: Code
    /// The file concerned, if any.
    public var path: String?
    /// The reason, as the codec stated it.
    public var message: String

    public init(_ code: Code, path: String? = nil, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    /// `PATH: message`, with control characters escaped (``escapedForMessage(_:)``) so it stays one line.
    public var description: String {
        escapedForMessage(path.map { "\($0): \(message)" } ?? message)
    }
}

/// Why an output file or folder could not be created or replaced (an image's pixels, once encoded,
/// are written through `AtomicFile`; the codecs' own failures are `ImageIOError`s). Its description
/// is one line naming the path.
public struct OutputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or folder concerned.
    public var path: String
    /// The reason (the OS error, or why filterpipe refuses the path).
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `PATH: message`, one line (``escapedForMessage(_:)``).
    public var description: String { escapedForMessage("\(path): \(message)") }
}

extension ImageIOError {
    /// An image file that could not be written, as the codec reports it (`.io`).
    init(writing failure: OutputError) { self.init(.io, path: failure.path, message: failure.message) }
}

/// A problem in a filter file, at a line and column. Description: `FILE:LINE:COLUMN: message`.
public struct FilterFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var location: SourceLocation
    public var message: String

    public init(file: String, location: SourceLocation, message: String) {
        self.file = file
        self.location = location
        self.message = message
    }

    /// `FILE:LINE:COLUMN: message`, or `FILE: message` for a file that could not be read (line 0).
    public var description: String {
        escapedForMessage(
            location.line > 0 ? "\(file):\(location.line):\(location.column): \(message)" : "\(file): \(message)")
    }
}

/// A pipeline that breaks a rule (`PipelinePlan`) or cannot run on a given input (for example, a layer
/// whose output would be empty).
public struct PipelineError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// Where the stage at fault was written, when the spec came from a file.
    public var location: SourceLocation?
    /// The filter file, once known (`located(in:)`).
    public var file: String?

    public init(_ message: String, at location: SourceLocation? = nil, file: String? = nil) {
        self.message = message
        self.location = location
        self.file = file
    }

    /// `FILE:LINE:COLUMN: message` (`FILE: message` without a location; the message alone without a file).
    public var description: String {
        guard let file else { return escapedForMessage(message) }
        return escapedForMessage(location.map { "\(file):\($0.line):\($0.column): \(message)" } ?? "\(file): \(message)")
    }

    /// This error, naming the filter file `file` its stage was written in.
    public func located(in file: String) -> PipelineError {
        PipelineError(message, at: location, file: file)
    }
}

/// Any error the FilterPipe API throws.
public enum FilterPipeError: Error, Sendable, Equatable, CustomStringConvertible {
    case image(ImageIOError)
    case output(OutputError)
    case filterFile(FilterFileError)
    case pipeline(PipelineError)

    public var description: String {
        switch self {
        case .image(let e): e.description
        case .output(let e): e.description
        case .filterFile(let e): e.description
        case .pipeline(let e): e.description
        }
    }
}

/// `body`'s codec failure as a `FilterPipeError`.
func asImage<T>(_ body: () throws(ImageIOError) -> T) throws(FilterPipeError) -> T {
    do { return try body() } catch { throw .image(error) }
}

/// `body`'s file-system failure as a `FilterPipeError`.
func asOutput<T>(_ body: () throws(OutputError) -> T) throws(FilterPipeError) -> T {
    do { return try body() } catch { throw .output(error) }
}
