import Foundation
import Testing
@testable import Tessera

/// The `tessera` executable as users run it: help, inspect, compile, run, exit codes.
@Suite struct CLITests {
    static var digits: String { TestEnvironment.repositoryRoot.path + "/Examples/digits_cnn.json" }
    static var digitsInput: String { TestEnvironment.repositoryRoot.path + "/Examples/digits_cnn.input.json" }

    @Test(arguments: [[], ["inspect"], ["compile"], ["run"]])
    func everyCommandHasHelp(_ command: [String]) throws {
        let r = try TestEnvironment.cli(command + ["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE: tessera"))
    }

    @Test func inspectPrintsTheLayerTableAndTotals() throws {
        let r = try TestEnvironment.cli(["inspect", Self.digits])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("#  node") && $0.contains("MACs") && $0.contains("activation B") })
        // The compiled graph: NHWC shapes, Relu fused into the convolution.
        #expect(lines.contains { $0.contains("conv2") && $0.contains("+ Relu") && $0.contains("[1, 4, 4, 16]") && $0.contains("1,168") && $0.contains("18,432") })
        #expect(lines.contains { $0.contains("total") && $0.contains("1,898") && $0.contains("23,680") })
        #expect(r.stdout.contains("activation arena"))
        let original = try TestEnvironment.cli(["inspect", Self.digits, "--original"])
        #expect(original.stdout.split(separator: "\n").contains { $0.contains("conv2") && $0.contains("[1, 16, 4, 4]") })
        #expect(original.stdout.split(separator: "\n").contains { $0.contains("relu2") })
    }

    @Test func inspectJSONCarriesTheSameFigures() throws {
        let r = try TestEnvironment.cli(["inspect", Self.digits, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONParser.parse(r.stdout)
        #expect(json["totals"]?["params"] == .int(1898))
        #expect(json["totals"]?["macs"] == .int(23680))
        #expect(json["layers"]?.array?.count == 9)
        #expect(json["layers"]?.array?.first { $0["node"] == .string("conv1") }?["activation_bytes"] == .int(2048))
    }

    @Test func compileWritesTheModelKernelsAndReport() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let r = try TestEnvironment.cli(["compile", Self.digits, "--target", "host", "-o", dir + "/out"])
        #expect(r.status == 0, "\(r.stderr)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/out"))
        #expect(files.isSuperset(of: ["digits_cnn.h", "digits_cnn.c", "digits_cnn_weights.c", "report.json",
                                      "tsr_conv2d_f32.c", "tsr_kernels.h", "tsr_types.h"]))
        // On a Helium core the blocked variants are picked, each named in its layer's comment.
        let m = try TestEnvironment.cli(["compile", Self.digits, "--target", "corstone300", "--precision", "fp32", "-o", dir + "/m55"])
        #expect(m.status == 0, "\(m.stderr)")
        let m55 = Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/m55"))
        #expect(m55.isSuperset(of: ["tsr_conv2d_im2col_f32.c", "tsr_mm_f32.c", "tsr_fully_connected_f32.c"]))
        #expect(try String(contentsOfFile: dir + "/m55/digits_cnn.c", encoding: .utf8).contains("; im2col kernel, "))
        // --kernels baseline keeps the plain loop nests.
        let b = try TestEnvironment.cli(["compile", Self.digits, "--target", "corstone300", "--precision", "fp32", "--kernels", "baseline", "-o", dir + "/base"])
        #expect(b.status == 0, "\(b.stderr)")
        let baseFiles = Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/base"))
        #expect(baseFiles.contains("tsr_conv2d_f32.c") && !baseFiles.contains("tsr_mm_f32.c"))
        let bad = try TestEnvironment.cli(["compile", Self.digits, "--kernels", "fastest", "-o", dir + "/bad"])
        #expect(bad.status == 2 && bad.stderr.contains("unknown kernel choice"))
        // --io fp16: the API takes and returns tsr_f16; the report says so.
        let h = try TestEnvironment.cli(["compile", Self.digits, "--precision", "fp16", "--io", "fp16", "-o", dir + "/io16"])
        #expect(h.status == 0, "\(h.stderr)")
        #expect(try String(contentsOfFile: dir + "/io16/digits_cnn.h", encoding: .utf8).contains("int digits_cnn_infer(const tsr_f16 *input, tsr_f16 *output);"))
        let io16 = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: dir + "/io16/report.json")), file: "report.json")
        #expect(io16["io"] == .string("float16"))
        let badIO = try TestEnvironment.cli(["compile", Self.digits, "--io", "int8", "-o", dir + "/badio"])
        #expect(badIO.status == 2 && badIO.stderr.contains("unknown --io \"int8\""))
        #expect(!FileManager.default.fileExists(atPath: dir + "/badio"))
        let report = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: dir + "/out/report.json")), file: "report.json")
        #expect(report["model"] == .string("digits_cnn"))
        #expect(report["target"] == .string("host"))
        #expect(report["precision"] == .string("fp32"))
        #expect(report["macs"] == .int(23680))
        let header = try String(contentsOfFile: dir + "/out/digits_cnn.h", encoding: .utf8)
        guard case let .int(arena)? = report["memory"]?["arena_bytes"], case let .int(weights)? = report["memory"]?["weights_bytes"] else {
            Issue.record("report.json memory figures missing")
            return
        }
        #expect(header.contains("#define DIGITS_CNN_ARENA_BYTES \(arena)u"))
        #expect(header.contains("#define DIGITS_CNN_WEIGHTS_BYTES \(weights)u"))
        // Every arena byte is accounted for: the report's buffers end at the arena size.
        let ends = report["arena_buffers"]?.array?.compactMap { b -> Int? in
            if case let .int(o)? = b["offset"], case let .int(n)? = b["bytes"] { return o + n }
            return nil
        } ?? []
        #expect(ends.max() == arena)
    }

    @Test func runWritesOutputsThatMatchTheReference() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let out = dir + "/out.json"
        let r = try TestEnvironment.cli(["run", Self.digits, "--target", "host", "--input", Self.digitsInput, "-o", out, "--compare"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("against the reference interpreter"))
        let outputs = try TensorsJSON.read(path: out)
        #expect(outputs["probabilities"]?.shape == [1, 10])
    }

    /// --in-place: auto runs a depthwise layer at the arena's peak over its input, never keeps
    /// it out of place, and the arena the report states follows.
    @Test func inPlaceOptionChoosesTheDepthwiseKernel() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let model = dir + "/chain.json"
        try TestEnvironment.write(JSONWriter.write(ModelWriter.json(try PlannerTests.depthwiseChain(24, wideFirst: false))), to: model)
        var arena: [String: Double] = [:]
        for policy in ["auto", "never"] {
            let r = try TestEnvironment.cli(["compile", model, "--target", "corstone300", "--precision", "fp32", "--in-place", policy, "-o", dir + "/" + policy])
            #expect(r.status == 0, "\(r.stderr)")
            let source = try String(contentsOfFile: dir + "/\(policy)/chain.c", encoding: .utf8)
            #expect(source.contains("; in-place depthwise kernel, 4608 B scratch") == (policy == "auto"), "--in-place \(policy)")
            #expect(source.contains("tsr_depthwise_conv2d_inplace_f32(&p, ") == (policy == "auto"))
            let report = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: dir + "/\(policy)/report.json")), file: "report.json")
            arena[policy] = report["memory"]?["arena_bytes"]?.number
        }
        #expect(arena["never"]! - arena["auto"]! == Double(12 * 12 * 24 * 4 - 4608))
        let bad = try TestEnvironment.cli(["compile", model, "--in-place", "sometimes", "-o", dir + "/bad"])
        #expect(bad.status == 2 && bad.stderr.contains("unknown --in-place \"sometimes\" (available: auto, always, never)"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad"))
    }

    @Test func runRejectsInputsThatDoNotMatchTheModel() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        try TestEnvironment.write(#"{"image": {"shape": [1, 64], "data": [\#(Array(repeating: "0", count: 64).joined(separator: ","))]}}"#, to: dir + "/in.json")
        let r = try TestEnvironment.cli(["run", Self.digits, "--input", dir + "/in.json", "-o", dir + "/out.json"])
        #expect(r.status == 2)
        #expect(r.stderr.contains(#"tensor "image": shape [1, 64] does not match the model's [1, 1, 8, 8]"#))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.json"))
    }

    @Test(arguments: [["frobnicate"], ["compile"], ["inspect", "/nonexistent/model.json"], ["inspect", "x.json", "--format", "xml"],
                      ["compile", "Examples/tiny_mlp.json", "--target", "stm32nope", "-o", "/tmp/never"]])
    func usageAndInputErrorsExitWith2(_ arguments: [String]) throws {
        let r = try TestEnvironment.cli(arguments, directory: TestEnvironment.repositoryRoot.path)
        #expect(r.status == 2, "\(arguments): \(r.stderr)")
        #expect(!r.stderr.isEmpty)
    }
}
