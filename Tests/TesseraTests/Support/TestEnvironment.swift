import Foundation
import OrderedCollections
@testable import Tessera

/// Paths and tools the tests use.
enum TestEnvironment {
    static var repositoryRoot: URL { ResourcePaths.sourceRoot }

    /// The `tessera` executable built next to the test bundle.
    static var tesseraBinary: String {
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundleDir.appendingPathComponent("tessera"),
                          bundleDir.deletingLastPathComponent().appendingPathComponent("tessera"),
                          repositoryRoot.appendingPathComponent(".build/debug/tessera")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path ?? candidates.last!.path
    }

    static func hasTool(_ tool: String) -> Bool { Shell.exists(tool) }

    /// A fresh temporary directory, removed by the caller with `remove`.
    static func temporaryDirectory() throws -> String { try HostRunner.temporaryDirectory() }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    struct CLIResult {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the real `tessera` binary.
    static func cli(_ arguments: [String], directory: String? = nil) throws -> CLIResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tesseraBinary)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so neither can fill up and block the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}

/// Compiles `graph`, builds it with `compiler` through the host harness, runs it on
/// `inputs` and returns the outputs, in the memory checking mode (a wrong plan fails).
func runOnHost(_ graph: Graph, _ inputs: [String: TensorValue], compiler: String = "cc") throws -> [String: TensorValue] {
    let model = try Compiler.compile(graph)
    let dir = try TestEnvironment.temporaryDirectory()
    defer { TestEnvironment.remove(dir) }
    let exe = try HostRunner.build(model, in: dir, compiler: compiler, checkMemory: true)
    var ordered = OrderedDictionary<String, TensorValue>()
    for input in graph.inputs { ordered[input.name] = inputs[input.name] }
    let outputs = try HostRunner.run(executable: exe, inputs: ordered, in: dir)
    return Dictionary(uniqueKeysWithValues: outputs.map { ($0.key, $0.value) })
}
