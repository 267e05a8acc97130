import Foundation

/// One thing the fuzzer found.
public struct Finding: Sendable {
    public var kind: FindingKind
    public var index: Int
    /// The saved input, ready to go into the corpus.
    public var reproducer: String
    public var detail: String
    public var description: String
}

/// What a run did.
public struct FuzzSummary: Sendable {
    public var cases = 0
    public var compiled = 0
    public var rejected = 0
    public var findings: [Finding] = []
    public var seconds = 0.0
    /// Worker processes started (more than one after a trap or a hang).
    public var workers = 0
}

/// Runs the worker in a child process and keeps the run going through what kills it: a
/// worker that dies on a signal (a trap) or answers nothing for `hangLimit` seconds (it
/// is killed) is reported with the case it was running, whose input it wrote to
/// `work/current.*` before starting it, and a new worker continues with the next case.
public struct Supervisor {
    public var plan: WorkerPlan
    /// The worker executable: this program, run as `worker`.
    public var executable: String
    public var hangLimit: Double

    public init(plan: WorkerPlan, executable: String, hangLimit: Double) {
        self.plan = plan
        self.executable = executable
        self.hangLimit = hangLimit
    }

    public func run(log: (String) -> Void) throws -> FuzzSummary {
        let started = Date()
        var summary = FuzzSummary()
        var next = plan.first
        try FileManager.default.createDirectory(atPath: plan.work, withIntermediateDirectories: true)
        while true {
            var part = plan
            part.first = next
            let (finished, current, status) = try runWorker(part, &summary, log)
            if finished { break }
            guard let current else {
                throw FuzzError("the worker stopped outside a case (\(status)), a bug of the fuzzer; see \(stderrPath)")
            }
            // The case that killed the worker.
            let kind: FindingKind = status.hasPrefix("killed") ? .hang : .trap
            let ext = FileManager.default.fileExists(atPath: workFile("current.onnx")) ? "onnx" : "json"
            let bytes = [UInt8](FileManager.default.contents(atPath: workFile("current.\(ext)")) ?? Data())
            let about = String(decoding: FileManager.default.contents(atPath: workFile("current.txt")) ?? Data(), as: UTF8.self)
            let detail = "\(status)" + (kind == .trap ? ": " + crashMessage() : "")
            let saved = Reproducer.save(bytes, kind: kind, ext: ext, seed: plan.seed, index: current, about: about, detail: detail,
                                        in: plan.findings)
            let finding = Finding(kind: kind, index: current, reproducer: saved, detail: detail, description: about)
            summary.findings.append(finding)
            summary.cases += 1
            log(Supervisor.line(finding))
            next = current + 1
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    static func line(_ f: Finding) -> String {
        "finding: \(f.kind.rawValue) in case \(f.index): \(f.detail)\n  case: \(f.description)\n  reproducer: \(f.reproducer)"
    }

    private func workFile(_ name: String) -> String { (plan.work as NSString).appendingPathComponent(name) }
    private var stderrPath: String { workFile("worker.stderr") }

    /// What the runtime said in the dead worker's standard error: its "Fatal error" line if
    /// any, and the first frame of the crashed thread in Tessera (an overflow trap has no
    /// message of its own; the backtrace says where).
    private func crashMessage() -> String {
        let text = String(decoding: FileManager.default.contents(atPath: stderrPath) ?? Data(), as: UTF8.self)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var parts: [String] = []
        if let fatal = lines.first(where: { $0.contains("Fatal error") }) { parts.append(fatal) }
        if let crashed = lines.firstIndex(where: { $0.hasSuffix("crashed:") }),
           let frame = lines[crashed...].first(where: { $0.contains(" in ") && $0.contains(".swift") && !$0.contains("libswiftCore") }) {
            // "1  [ra]  0x0000... static PadSpec.make(_:_:) + 1234 in tessera-fuzz at /.../MovementSpecs.swift:170:40"
            let words = frame.split(separator: " ")
            let address = words.firstIndex { $0.hasPrefix("0x") } ?? -1
            parts.append(words[(address + 1)...].joined(separator: " "))
        }
        return String((parts.isEmpty ? lines.first ?? "" : parts.joined(separator: "; ")).prefix(500))
    }

    /// Runs one worker until it finishes, dies or hangs. Returns whether the plan is done,
    /// the case it was running, and how it ended.
    private func runWorker(_ part: WorkerPlan, _ summary: inout FuzzSummary, _ log: (String) -> Void) throws -> (Bool, Int?, String) {
        for name in ["current.json", "current.onnx", "current.txt"] { try? FileManager.default.removeItem(atPath: workFile(name)) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Supervisor.arguments(part)
        let out = Pipe()
        process.standardOutput = out
        writeFile(stderrPath, [])
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=yes,color=no,interactive=no"  // where a trap happened
        process.environment = environment
        try process.run()
        summary.workers += 1
        let lines = LineReader(out.fileHandleForReading)
        var current: Int?
        var lastStart = Date()
        var done = false
        var killed = false
        func handle(_ line: String) {
            let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
            switch parts.first {
            case "start"?:
                current = parts.count > 1 ? Int(parts[1]) : nil
                lastStart = Date()
            case "result"?:
                summary.cases += 1
                if parts.count > 2 && parts[2] == "compiled" { summary.compiled += 1 } else { summary.rejected += 1 }
                current = nil
            case "finding"?:
                summary.cases += 1
                let fields = (parts.count > 3 ? parts[3] : "").components(separatedBy: "\t")
                let finding = Finding(kind: FindingKind(rawValue: parts.count > 2 ? parts[2] : "") ?? .trap, index: Int(parts[1]) ?? -1,
                                      reproducer: fields[0], detail: fields.count > 1 ? fields[1] : "",
                                      description: fields.count > 2 ? fields[2] : "")
                summary.findings.append(finding)
                log(Supervisor.line(finding))
                current = nil
            case "done"?:
                done = true
            default:
                break
            }
        }
        var lastProgress = Date()
        while process.isRunning {
            for line in lines.take() { handle(line) }
            if Date().timeIntervalSince(lastProgress) >= 30 {
                lastProgress = Date()
                log("... \(summary.cases) cases, \(summary.findings.count) finding(s)")
            }
            if current != nil, Date().timeIntervalSince(lastStart) > hangLimit {
                kill(process.processIdentifier, SIGKILL)
                killed = true
                break
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        process.waitUntilExit()
        lines.finish()
        for line in lines.take() { handle(line) }
        if done { return (true, nil, "done") }
        if killed { return (false, current, String(format: "killed after %.0f s without an answer", hangLimit)) }
        let status = process.terminationReason == .uncaughtSignal
            ? "signal \(process.terminationStatus) (\(String(cString: strsignal(process.terminationStatus))))"
            : "exit status \(process.terminationStatus)"
        return (false, current, status)
    }

    static func arguments(_ p: WorkerPlan) -> [String] {
        var a = ["worker", "--seed", String(p.seed), "--first", String(p.first), "--work", p.work, "--findings", p.findings,
                 "--time-limit", String(p.timeLimit)]
        if let end = p.end { a += ["--end", String(end)] }
        if let deadline = p.deadline { a += ["--deadline", String(deadline)] }
        for s in p.seedFiles { a += ["--seeds", s] }
        for r in p.replay { a += ["--replay", r] }
        if !p.plant.isEmpty { a += ["--plant", p.plant.sorted { $0.key < $1.key }.map { "\($0.value.rawValue)@\($0.key)" }.joined(separator: ",")] }
        return a
    }
}

public struct FuzzError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Reads lines from a pipe on a thread of its own (so that the child never blocks on a
/// full pipe); `take` hands over the lines read so far.
final class LineReader: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private var partial = Data()
    private let finished = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                append(data)
            }
            finished.signal()
        }
        thread.start()
    }

    private func append(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        partial.append(data)
        while let newline = partial.firstIndex(of: 0x0A) {
            lines.append(String(decoding: partial[partial.startIndex..<newline], as: UTF8.self))
            partial.removeSubrange(partial.startIndex...newline)
        }
    }

    func take() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let out = lines
        lines = []
        return out
    }

    /// Waits until the pipe is closed.
    func finish() { finished.wait() }
}
