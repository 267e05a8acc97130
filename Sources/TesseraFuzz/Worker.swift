import Foundation

/// What the worker process runs: generated cases `first..<end` of `seed` (or until
/// `deadline`), or the replay files. It runs in a child process of the `Supervisor`,
/// because a trap ends the process that hits it.
public struct WorkerPlan: Sendable {
    public var seed: UInt64 = 1
    public var first = 0
    /// One past the last case; nil: until the deadline.
    public var end: Int?
    /// Seconds since 1970 after which no case starts.
    public var deadline: Double?
    public var seedFiles: [String] = []
    /// Files to replay instead of generating cases (each in two compilation variants).
    public var replay: [String] = []
    public var work = "."
    public var findings = "."
    public var timeLimit = 5.0
    /// index -> fault, for the self-test.
    public var plant: [Int: PlantedFault] = [:]

    public init() {}
}

/// The worker side: runs the cases in process and reports each on `emit` as one line:
///
///     start <index>
///     result <index> compiled|rejected
///     finding <index> <kind> <reproducer>\t<detail>\t<description>
///
/// Before each case it writes the case to `work/current.<json|onnx>` and what it is to
/// `work/current.txt`, so that the supervisor can keep the input of a case that kills
/// the process.
public enum Worker {
    public static func run(_ plan: WorkerPlan, emit: (String) -> Void) {
        let seeds = SeedFile.load(plan.seedFiles)
        let replay = SeedFile.load(plan.replay)
        let runner = CaseRunner(work: plan.work, timeLimit: plan.timeLimit)
        try? FileManager.default.createDirectory(atPath: plan.work, withIntermediateDirectories: true)
        try? FileManager.default.createDirectory(atPath: plan.findings, withIntermediateDirectories: true)
        var index = plan.first
        while true {
            if let end = plan.end, index >= end { break }
            if plan.replay.isEmpty, let deadline = plan.deadline, Date().timeIntervalSince1970 >= deadline { break }
            if !plan.replay.isEmpty && index >= 2 * replay.count { break }
            let input = plan.replay.isEmpty ? CaseGenerator.make(seed: plan.seed, index: index, seeds: seeds)
                                            : CaseGenerator.replay(replay[index / 2], variant: index % 2)
            let casePath = (plan.work as NSString).appendingPathComponent("current.\(input.kind.rawValue)")
            let other = (plan.work as NSString).appendingPathComponent(input.kind == .json ? "current.onnx" : "current.json")
            try? FileManager.default.removeItem(atPath: other)
            writeFile(casePath, input.bytes)
            let about = "case \(index) of seed \(plan.seed): \(input.description); \(input.variant)"
            writeFile((plan.work as NSString).appendingPathComponent("current.txt"), Array(about.utf8))
            emit("start \(index)")
            switch runner.run(input, plant: plan.plant[index]) {
            case .compiled:
                emit("result \(index) compiled")
            case .rejected:
                emit("result \(index) rejected")
            case let .finding(kind, detail):
                let saved = Reproducer.save(input.bytes, kind: kind, ext: input.kind.rawValue, seed: plan.seed, index: index,
                                            about: about, detail: detail, in: plan.findings)
                emit("finding \(index) \(kind.rawValue) \(saved)\t\(oneLine(detail))\t\(oneLine(input.description))")
            }
            index += 1
        }
        emit("done")
    }

    static func oneLine(_ s: String) -> String {
        s.replacingOccurrences(of: "\n", with: " | ").replacingOccurrences(of: "\t", with: " ")
    }
}

/// The files a finding leaves: its input, ready to go into the corpus, and a note beside
/// it saying what happened.
public enum Reproducer {
    public static func save(_ bytes: [UInt8], kind: FindingKind, ext: String, seed: UInt64, index: Int, about: String,
                            detail: String, in directory: String) -> String {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let base = (directory as NSString).appendingPathComponent("\(kind.rawValue)-s\(seed)-c\(index)")
        writeFile(base + "." + ext, bytes)
        let note = "\(kind.rawValue): \(detail)\n\(about)\nreplay: tessera-fuzz replay \(base).\(ext)\n"
        writeFile(base + ".txt", Array(note.utf8))
        return base + "." + ext
    }
}

/// Writes `bytes` to `path` (plainly: the case files are rewritten for every case).
func writeFile(_ path: String, _ bytes: [UInt8]) {
    try? Data(bytes).write(to: URL(fileURLWithPath: path))
}
