import Foundation

/// Runs external tools (C compiler, harness) and captures what they print.
enum Shell {
    struct Result {
        var status: Int32
        var output: String
    }

    /// Runs `tool` found on PATH (or an absolute path) with `arguments`; after `timeout`
    /// seconds the process is killed and the status is -9.
    static func run(_ tool: String, _ arguments: [String], directory: String? = nil, timeout: Double? = nil) throws -> Result {
        let process = Process()
        if tool.contains("/") {
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [tool] + arguments
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw TesseraError.toolFailed(tool: tool, status: -1, output: "cannot start: \(error.localizedDescription)")
        }
        var killer: DispatchWorkItem?
        if let timeout {
            let item = DispatchWorkItem { if process.isRunning { process.terminate(); kill(process.processIdentifier, SIGKILL) } }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: item)
            killer = item
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer?.cancel()
        if let timeout, process.terminationReason == .uncaughtSignal {
            return Result(status: -9, output: String(decoding: data, as: UTF8.self) + "\n(killed after \(Int(timeout)) s)")
        }
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// True when `tool` is on PATH.
    static func exists(_ tool: String) -> Bool {
        (try? run("sh", ["-c", "command -v \(tool)"]))?.status == 0
    }
}
