import Foundation
import Testing
@testable import Tessera

/// The fuzzer (Sources/TesseraFuzz, `tessera-fuzz`) in `make test`: every corpus file
/// replayed, a seeded bounded run, and the supervisor catching each kind of finding.
/// A finding fails the test with the case and where its reproducer was saved; once the
/// bug is fixed, the reproducer goes into FuzzCorpus/.
@Suite struct FuzzTests {
    /// The corpus: reproducers of what crashed the compiler or was called an internal
    /// error, each replayed as a regression case.
    static var corpus: String { TestEnvironment.repositoryRoot.path + "/Tests/TesseraTests/FuzzCorpus" }

    static var fuzzer: String {
        URL(fileURLWithPath: TestEnvironment.tesseraBinary).deletingLastPathComponent().appendingPathComponent("tessera-fuzz").path
    }

    /// Runs tessera-fuzz with `arguments` (plus a work and findings directory and a JSON
    /// report in `dir`) and returns its exit status, its output and the report.
    private func fuzz(_ arguments: [String], in dir: String) throws -> (status: Int32, output: String, report: JSONValue) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.fuzzer)
        process.arguments = arguments + ["--work", dir + "/work", "--findings", dir + "/findings", "--report", dir + "/report.json"]
        process.currentDirectoryURL = TestEnvironment.repositoryRoot
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let report = (try? JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: dir + "/report.json")), file: "report.json")) ?? .null
        return (process.terminationStatus, output, report)
    }

    private func recordFindings(_ report: JSONValue, _ output: String) {
        for f in report["findings"]?.array ?? [] {
            Issue.record("""
                \(f["kind"]?.string ?? "?") in case \(f["index"]?.number.map { String(Int($0)) } ?? "?"): \(f["detail"]?.string ?? "")
                case: \(f["description"]?.string ?? "")
                reproducer: \(f["reproducer"]?.string ?? "") (copy it into Tests/TesseraTests/FuzzCorpus/ once fixed)
                """)
        }
        if report == .null { Issue.record("no report; output:\n\(output)") }
    }

    @Test func everyCorpusFileReplaysWithoutAFinding() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus).filter { $0.hasSuffix(".json") || $0.hasSuffix(".onnx") }
        // The reproducers of issue 15's cases are there.
        for name in ["json-strides-int64-min.json", "json-transB-int64-min.json", "json-pad-2e62.json", "onnx-strides-int64-min.onnx",
                     "onnx-pad-2e62-initializer.onnx", "onnx-pad-2e62-attribute.onnx", "onnx-input-not-produced.onnx", "onnx-cycle.onnx",
                     "onnx-empty-required-input.onnx", "onnx-add-one-input.onnx", "onnx-sum-no-inputs.onnx", "onnx-empty.onnx",
                     "onnx-truncated.onnx", "json-model-name-300-characters.json"] {
            #expect(files.contains(name), "FuzzCorpus/\(name)")
        }
        let r = try fuzz(["replay", Self.corpus], in: dir)
        #expect(r.status == 0, "\(r.output)")
        #expect(r.report["cases"] == .int(2 * files.count), "each file in two compilations")
        recordFindings(r.report, r.output)
    }

    /// Synthetic models of the end-to-end tests as seeds beside Examples/.
    private func syntheticSeeds(in dir: String) throws -> String {
        let seeds = dir + "/seeds"
        try FileManager.default.createDirectory(atPath: seeds, withIntermediateDirectories: true)
        for name in SyntheticModels.names {
            try TestEnvironment.write(SyntheticModels.named(name).text, to: "\(seeds)/\(name).json")
        }
        return seeds
    }

    /// A bounded, seeded, deterministic run: generated models and seed files, as model JSON
    /// and as ONNX, mutated, through load, inspect, compile and write.
    @Test func aSeededRunFindsNothing() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let cases = 2500
        let r = try fuzz(["run", "--seed", "15", "--cases", "\(cases)", "--seeds", "Examples", "--seeds", try syntheticSeeds(in: dir)], in: dir)
        #expect(r.status == 0, "\(r.output)")
        #expect(r.report["cases"] == .int(cases))
        // The mix stays meaningful: many cases get through to the generated C, many are rejected.
        let compiled = r.report["compiled"]?.number ?? 0, rejected = r.report["rejected"]?.number ?? 0
        #expect(compiled > Double(cases) * 0.2 && rejected > Double(cases) * 0.2, "\(compiled) compiled, \(rejected) rejected")
        recordFindings(r.report, r.output)
    }

    /// The supervisor reports every kind of finding with its case and reproducer, and the
    /// run goes on after a trap or a hang kills the worker.
    @Test func plantedFaultsAreEachReported() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let planted: [(String, Int)] = [("trap", 1), ("hang", 3), ("slow", 5), ("internal-error", 7), ("foreign-error", 9), ("partial-output", 11)]
        let spec = planted.map { "\($0.0)@\($0.1)" }.joined(separator: ",")
        let r = try fuzz(["run", "--seed", "3", "--cases", "13", "--plant", spec, "--time-limit", "1", "--hang-limit", "4"], in: dir)
        #expect(r.status == 1, "findings make the exit status 1: \(r.output)")
        #expect(r.report["cases"] == .int(13), "\(r.output)")
        let findings = r.report["findings"]?.array ?? []
        let found = findings.compactMap { f -> (String, Int)? in
            guard let kind = f["kind"]?.string, case let .int(i)? = f["index"] else { return nil }
            return (kind, i)
        }
        #expect(found.map { "\($0.0)@\($0.1)" } == planted.map { "\($0.0)@\($0.1)" }, "\(r.output)")
        for f in findings {
            let path = try #require(f["reproducer"]?.string)
            #expect(FileManager.default.fileExists(atPath: path), "reproducer \(path)")
        }
        #expect(r.report["workers"] == .int(3), "restarted after the trap and after the hang")
    }
}
