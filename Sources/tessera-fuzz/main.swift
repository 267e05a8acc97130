import ArgumentParser
import Foundation
import Tessera
import TesseraFuzz

/// `tessera-fuzz`: the fuzzer of Tessera's front ends and compiler (TesseraFuzz), a thin
/// command line. Exit status: 0 no finding, 1 findings, 2 usage.
struct FuzzCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera-fuzz",
        abstract: "Fuzz Tessera's model loading, inspect, compile and ONNX import with structure-aware mutations of model JSON and ONNX.",
        discussion: "Exit status: 0 no finding, 1 findings (traps, hangs, slow cases, internal errors, non-Tessera errors, partial output, import mismatches), 2 usage.",
        subcommands: [Run.self, Replay.self, WorkerCommand.self])
}

struct Limits: ParsableArguments {
    @Option(help: "Where the worker writes the case it runs and the compiled output.")
    var work: String?

    @Option(help: "Where reproducers of findings are saved.")
    var findings: String = "out/fuzz-findings"

    @Option(help: "Seconds a case may take before it is a finding.")
    var timeLimit: Double = 5

    @Option(help: "Seconds without an answer before the worker is killed (default: 4 x the time limit + 10).")
    var hangLimit: Double?

    @Option(help: "Write the summary as JSON to this file.")
    var report: String?

    func plan() -> WorkerPlan {
        var p = WorkerPlan()
        p.work = work ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("tessera-fuzz-\(getpid())")
        p.findings = findings
        p.timeLimit = timeLimit
        return p
    }

    func supervise(_ plan: WorkerPlan, seedNote: String) throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let supervisor = Supervisor(plan: plan, executable: executable, hangLimit: hangLimit ?? 4 * timeLimit + 10)
        let summary = try supervisor.run { say($0) }
        if work == nil { try? FileManager.default.removeItem(atPath: plan.work) }
        let line = String(format: "%@: %d cases in %.1f s: %d compiled, %d rejected (exit status 2), %d finding(s)",
                          seedNote, summary.cases, summary.seconds, summary.compiled, summary.rejected, summary.findings.count)
        say(line)
        if let report {
            let findings: [JSONValue] = summary.findings.map { f in
                .object([("kind", .string(f.kind.rawValue)), ("index", .int(f.index)), ("reproducer", .string(f.reproducer)),
                         ("detail", .string(f.detail)), ("description", .string(f.description))])
            }
            let json = JSONValue.object([("seed", .int(Int(truncatingIfNeeded: plan.seed))), ("cases", .int(summary.cases)),
                                         ("compiled", .int(summary.compiled)), ("rejected", .int(summary.rejected)),
                                         ("seconds", .double(summary.seconds)), ("workers", .int(summary.workers)),
                                         ("findings", .array(findings))])
            try Data(JSONWriter.write(json).utf8).write(to: URL(fileURLWithPath: report))
        }
        if !summary.findings.isEmpty {
            say("reproducers are in \(plan.findings); a fixed one goes into Tests/TesseraTests/FuzzCorpus/")
            throw ExitCode(1)
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate and run cases: a seeded number of them, or for a time.")

    @Option(help: "The run's seed (default: from the clock, printed).")
    var seed: UInt64?

    @Option(help: "Run cases 0..<N.")
    var cases: Int?

    @Option(help: "Run for this many seconds.")
    var seconds: Double?

    @Option(help: "A .json or .onnx seed file, or a directory of them (repeatable).")
    var seeds: [String] = []

    @Option(help: "Self-test: plant faults, e.g. trap@3,hang@5 (trap, hang, slow, internal-error, foreign-error, partial-output).")
    var plant: String?

    @OptionGroup var limits: Limits

    func run() throws {
        guard (cases == nil) != (seconds == nil) else { throw ValidationError("give --cases or --seconds") }
        var plan = limits.plan()
        plan.seed = seed ?? UInt64(Date().timeIntervalSince1970 * 1000)
        plan.end = cases
        plan.deadline = seconds.map { Date().timeIntervalSince1970 + $0 }
        plan.seedFiles = seeds
        plan.plant = try parsePlant(plant)
        say("tessera-fuzz: seed \(plan.seed), \(cases.map { "\($0) cases" } ?? "\(seconds!) s"), \(SeedFile.load(seeds).count) seed files")
        try limits.supervise(plan, seedNote: "seed \(plan.seed)")
    }
}

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run .json and .onnx files (a corpus) as they are, each through two compilations.")

    @Argument(help: "Files or directories.")
    var files: [String]

    @OptionGroup var limits: Limits

    func run() throws {
        var plan = limits.plan()
        plan.replay = files
        say("tessera-fuzz: replaying \(SeedFile.load(files).count) files")
        try limits.supervise(plan, seedNote: "replay")
    }
}

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run cases in this process (started by run and replay).",
                                                    shouldDisplay: false)

    @Option var seed: UInt64 = 1
    @Option var first: Int = 0
    @Option var end: Int?
    @Option var deadline: Double?
    @Option var seeds: [String] = []
    @Option var replay: [String] = []
    @Option var work: String
    @Option var findings: String
    @Option var timeLimit: Double = 5
    @Option var plant: String?

    func run() throws {
        var plan = WorkerPlan()
        plan.seed = seed
        plan.first = first
        plan.end = end
        plan.deadline = deadline
        plan.seedFiles = seeds
        plan.replay = replay
        plan.work = work
        plan.findings = findings
        plan.timeLimit = timeLimit
        plan.plant = try parsePlant(plant)
        Worker.run(plan) { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }
}

/// One line on standard output, at once (also into a file or a pipe).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func parsePlant(_ spec: String?) throws -> [Int: PlantedFault] {
    var out: [Int: PlantedFault] = [:]
    for item in (spec ?? "").split(separator: ",") {
        let parts = item.split(separator: "@")
        guard parts.count == 2, let fault = PlantedFault(rawValue: String(parts[0])), let index = Int(parts[1]) else {
            throw ValidationError("--plant takes fault@index, e.g. trap@3 (faults: \(PlantedFault.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        out[index] = fault
    }
    return out
}

FuzzCLI.main()
