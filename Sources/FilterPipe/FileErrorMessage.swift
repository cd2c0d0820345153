#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A one-line reason for an error thrown by a FoundationEssentials file call
/// (`String(contentsOfFile:encoding:)`, `FileManager`): the system's text for the underlying
/// `errno` ("No such file or directory"), since FoundationEssentials has no `localizedDescription`.
/// Internal: the CLI reads filter files through `Pipeline(contentsOf:)`, the one loader.
func describeFileError(_ error: any Error) -> String {
    if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
    guard let cocoa = error as? CocoaError else { return String(describing: error) }
    if let posix = cocoa.underlying as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
    switch cocoa.code {
    case .fileReadCorruptFile, .fileReadInapplicableStringEncoding: return "not valid UTF-8 text"
    case .fileReadNoSuchFile, .fileNoSuchFile: return String(cString: strerror(ENOENT))
    case .fileReadNoPermission, .fileWriteNoPermission: return String(cString: strerror(EACCES))
    default: return "file error \(cocoa.code.rawValue)"
    }
}
