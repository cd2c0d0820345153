import FilterPipe
import Foundation

/// Runs the built `filterpipe` binary (it sits beside the test bundle in the build folder).
struct CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let binary: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("filterpipe").path
    }()

    /// The package root (this file is Tests/FilterPipeCLITests/CLIHarness.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static var samples: String { root + "/samples" }

    /// `environment` is added to this process's environment for the run.
    @discardableResult
    static func run(
        _ arguments: [String], in directory: String? = nil, timeout: Double? = nil,
        environment: [String: String] = [:]
    ) throws -> Result {
        let process = try start(arguments, in: directory, environment: environment)
        let out = process.standardOutput as! Pipe, err = process.standardError as! Pipe
        // Both pipes drain while the child runs: a child that fills one pipe's buffer (64 KiB)
        // while the harness waits on the other, or on its exit, would never finish.
        let outData = Drained(out.fileHandleForReading), errData = Drained(err.fileHandleForReading)
        if let timeout {
            // A hang is a failure, not a stuck test run: kill the child after `timeout` seconds.
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData.wait(), as: UTF8.self),
            stderr: String(decoding: errData.wait(), as: UTF8.self))
    }

    static func start(
        _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        return process
    }
}

/// Everything a pipe delivers until end of file, read on a thread of its own.
final class Drained: @unchecked Sendable {
    // `data` is written by the reading thread before `done` is signalled and read only after
    // `wait()` returns, so the semaphore orders every access.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    /// The bytes, once the writer has closed its end.
    func wait() -> Data {
        done.wait()
        return data
    }
}

/// A fresh folder, removed when released.
final class Scratch {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "filterpipe-cli-XXXXXX").utf8CString)
        path = String(cString: mkdtemp(&template)!)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ relative: String) -> String { path + "/" + relative }

    func write(_ relative: String, _ text: String) -> String {
        let full = file(relative)
        try? FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: full, contents: Data(text.utf8))
        return full
    }

    func copy(_ source: String, to relative: String) {
        let full = file(relative)
        try? FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! FileManager.default.copyItem(atPath: source, toPath: full)
    }

    /// Every file below `relative`, as paths relative to it, sorted.
    func files(under relative: String) -> [String] {
        let base = file(relative)
        return (FileManager.default.enumerator(atPath: base)?.allObjects as? [String] ?? [])
            .filter {
                var d: ObjCBool = false;
                return FileManager.default.fileExists(atPath: base + "/" + $0, isDirectory: &d) && !d.boolValue
            }
            .sorted()
    }

    func bytes(_ relative: String) -> Data? { FileManager.default.contents(atPath: file(relative)) }
}
