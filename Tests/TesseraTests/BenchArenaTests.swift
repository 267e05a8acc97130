import Foundation
import Testing
@testable import Tessera

/// The arena table of `tessera bench`: TFLM measured by Scripts/tflm_arena.py in its own
/// environment (.venv-tflm), Tessera's side from compile results.
@Suite(.serialized) struct BenchArenaTests {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Makes (or reuses) .venv-tflm with Scripts/python-env.sh --bench from Debian's
    /// python3, and returns its python; `$TESSERA_TFLM_PYTHON` overrides. A venv that
    /// cannot be made fails the test.
    static func tflmPython() throws -> String {
        if let p = ProcessInfo.processInfo.environment["TESSERA_TFLM_PYTHON"] { return p }
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("Scripts/python-env.sh").path
        let r = try Shell.run("/usr/bin/env", ["PYTHON=/usr/bin/python3", script, "--bench"], timeout: 1200)
        guard r.status == 0, let python = r.output.split(separator: "\n").last.map(String.init), python.hasPrefix("/") else {
            throw Failure(description: "Scripts/python-env.sh --bench could not make TFLM's environment (exit \(r.status)): \(r.output)")
        }
        return python
    }

    static func skipUnlessModels() -> Bool {
        if SharedModels.available { return true }
        print("BenchArenaTests: skipped: \(SharedModels.skipReason)")
        return false
    }

    /// TFLM's planned activation area of ResNet-8 in float32 is what the models README
    /// reports, measured here through the script and the pinned package.
    @Test func tflmScriptMeasuresResNet8() throws {
        guard Self.skipUnlessModels() else { return }
        let python = try Self.tflmPython()
        let file = "\(SharedModels.directory)/ic_resnet8.tflite"
        let measured = try Bench.measureTFLM(python: python, files: [file])
        let r8 = try #require(measured["ic_resnet8"])
        #expect(r8.float32Head == 196_608)
        #expect(r8.float32Total == 203_376)
        #expect(r8.errors.isEmpty)
        // The raw script, as make bench runs it: JSON on stdout with the README's keys.
        let raw = try Shell.run(python, [Bench.tflmScript, file])
        #expect(raw.status == 0)
        #expect(raw.output.contains("\"float32_head_bytes\": 196608"))
    }

    /// A file TFLM does not accept is reported as such, not as a figure; with nothing
    /// measurable the script fails.
    @Test func tflmScriptReportsWhatItCannotMeasure() throws {
        guard Self.skipUnlessModels() else { return }
        let python = try Self.tflmPython()
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let junk = dir + "/junk.tflite"
        try TestEnvironment.write("not a flatbuffer", to: junk)
        let r = try Shell.run(python, [Bench.tflmScript, junk])
        #expect(r.status != 0)
        #expect(r.output.contains("measured none"))
        #expect(throws: TesseraError.self) { try Bench.measureTFLM(python: python, files: [junk]) }
        // A python without the package fails with the reason.
        let plain = try Shell.run("/usr/bin/python3", [Bench.tflmScript, junk])
        #expect(plain.status != 0 && plain.output.contains("cannot import tflite_micro"))
    }

    /// The table's Tessera figures are compile results: the same as report.json of
    /// `tessera compile` of the same model, target and precision.
    @Test func arenaTableComesFromCompileResults() throws {
        guard Self.skipUnlessModels() else { return }
        let python = try Self.tflmPython()
        let onnx = "\(SharedModels.directory)/ic_resnet8.onnx"
        let graph = try ONNXImporter.load(path: onnx).graph
        let rows = try Bench.arenaRows(models: [("ic_resnet8", graph)], target: "corstone300", modelDirectory: SharedModels.directory, tflmPython: python)
        let row = try #require(rows.first)
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        for p in Bench.arenaPrecisions {
            let out = "\(dir)/\(p.rawValue)"
            let r = try TestEnvironment.cli(["compile", onnx, "--target", "corstone300", "--precision", p.rawValue, "-o", out])
            #expect(r.status == 0, "\(r.stderr)")
            guard case let .object(top) = try JSONParser.parse(String(contentsOfFile: out + "/report.json", encoding: .utf8)),
                  case let .object(memory)? = top.first(where: { $0.0 == "memory" })?.1,
                  case let .int(arena)? = memory.first(where: { $0.0 == "arena_bytes" })?.1,
                  case let .int(total)? = memory.first(where: { $0.0 == "total_activation_bytes" })?.1 else {
                Issue.record("report.json of \(p.rawValue) has no memory.arena_bytes / total_activation_bytes")
                continue
            }
            #expect(row.callerOwned[p]?.arenaBytes == arena, "\(p.rawValue)")
            #expect(row.callerOwned[p]?.totalBytes == total, "\(p.rawValue)")
        }
        #expect(row.tflm.float32Head == 196_608)
        #expect(row.tflm.int8Head != nil)
        let md = Bench.markdown([], arena: rows, tflmVersion: "x", command: "test").split(separator: "\n")
        let line = try #require(md.first { $0.hasPrefix("| ic_resnet8 |") })
        let fp32Arena = try #require(row.callerOwned[.fp32]?.arenaBytes)
        #expect(line.contains("| \(InspectReport.grouped(fp32Arena)) |"))
        #expect(line.contains("| 196,608 |"))
    }

    /// `tessera bench --arena-only`, as make bench's arena part: compilation and TFLM only.
    @Test func benchArenaOnlyWritesTheTable() throws {
        guard Self.skipUnlessModels() else { return }
        let python = try Self.tflmPython()
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let r = try TestEnvironment.cli(["bench", "--arena-only", "--arena-models", "\(SharedModels.directory)/ic_resnet8.onnx",
                                         "--targets", "corstone300", "--tflm-python", python, "-o", dir + "/B.md"])
        #expect(r.status == 0, "\(r.stderr)")
        let md = try String(contentsOfFile: dir + "/B.md", encoding: .utf8)
        #expect(md.contains("## Arena: Tessera against TensorFlow Lite Micro"))
        let line = try #require(md.split(separator: "\n").first { $0.hasPrefix("| ic_resnet8 |") })
        #expect(line.contains("| 196,608 |"))
        #expect(!md.contains("| model | target | precision |"), "--arena-only has no run table")
    }

    /// The table says where TFLM has no figure: DS-CNN has no float32 .tflite.
    @Test func arenaTableSaysWhereTFLMHasNoFigure() throws {
        let row = Bench.ArenaRow(model: "kws_dscnn", target: "corstone300",
                                 callerOwned: [.fp32: .init(arenaBytes: 64_000, totalBytes: 66_008, ioInArena: false)],
                                 inArena: [.fp32: .init(arenaBytes: 64_000, totalBytes: 64_000, ioInArena: true)],
                                 tflm: .init(int8Head: 16_000, int8Total: 24_272, files: ["int8"]))
        let md = Bench.arenaMarkdown([row], tflmVersion: "x").joined(separator: "\n")
        #expect(md.contains("no float32 .tflite"))
        #expect(md.contains("hybrid"))
        let rejected = Bench.ArenaRow(model: "m", target: "t", callerOwned: [:], inArena: [:],
                                      tflm: .init(errors: ["float32": "Hybrid models are not supported"], files: ["float32"]))
        #expect(Bench.arenaMarkdown([rejected], tflmVersion: "x").joined().contains("not accepted by TFLM (Hybrid models are not supported)"))
    }
}

/// `tessera bench` without TFLM's environment fails, saying so, before any emulated run.
@Suite struct BenchWithoutTFLMTests {
    @Test func benchFailsClearlyWithoutTFLM() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let r = try TestEnvironment.cli(["bench", "--arena-only", "--arena-models", "ic_resnet8", "--targets", "corstone300", "--tflm-python", dir + "/no-such-python",
                                         "-o", dir + "/B.md"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("TensorFlow Lite Micro"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/B.md"))
    }
}
