import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// The `tessera` executable as users run it: help, inspect, compile, run, exit codes.
@Suite struct CLITests {
    static var digits: String { TestEnvironment.repositoryRoot.path + "/Examples/digits_cnn.json" }
    static var digitsInput: String { TestEnvironment.repositoryRoot.path + "/Examples/digits_cnn.input.json" }

    @Test(arguments: [[], ["inspect"], ["compile"], ["run"], ["generate"], ["generate", "mobilenetv2"]])
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
        #expect(r.stdout.contains("probabilities: max abs error"))
        #expect(r.stdout.contains("against the reference interpreter, within --tolerance 1e-05"))
        // What the run wrote is what it compared: within 1e-5 of the interpreter.
        let outputs = try TensorsJSON.read(path: out)
        let graph = try FrontEnd.load(path: Self.digits)
        let inputs = try TensorsJSON.read(path: Self.digitsInput)
        let expected = try ReferenceInterpreter.run(graph, inputs: Dictionary(uniqueKeysWithValues: inputs.map { ($0.key, $0.value) }))
        let c = Comparison(try #require(outputs["probabilities"]), try #require(expected["probabilities"]))
        #expect(outputs["probabilities"]?.shape == [1, 10])
        #expect(c.within(relative: 1e-5), "\(c)")
    }

    /// `run --compare` fails (status 1, and says so) when an output is beyond --tolerance,
    /// and passes within it: the residual block at fp16 is off the FP32 reference by about
    /// 1e-3, beyond 1e-5 and within the default fp16 tolerance (1e-2). The test measures the
    /// written outputs itself, so that the failing run really exceeds its tolerance.
    @Test func runCompareFailsBeyondItsTolerance() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let builder = SyntheticModels.residual()
        try TestEnvironment.write(builder.text, to: dir + "/residual.json")
        let graph = try builder.graph()
        let inputs = randomInputs(graph, seed: 5)
        try TensorsJSON.write(OrderedDictionary(uniqueKeysWithValues: inputs.sorted { $0.key < $1.key }), to: dir + "/in.json")
        let expected = try #require(try ReferenceInterpreter.run(graph, inputs: inputs)["features"])
        func run(_ extra: [String]) throws -> (TestEnvironment.CLIResult, Comparison) {
            try? FileManager.default.removeItem(atPath: dir + "/out.json")
            let r = try TestEnvironment.cli(["run", dir + "/residual.json", "--target", "host", "--precision", "fp16", "--input", dir + "/in.json",
                                             "-o", dir + "/out.json", "--compare"] + extra)
            let written = try TensorsJSON.read(path: dir + "/out.json")
            return (r, Comparison(try #require(written["features"]), expected))
        }
        let (bad, measured) = try run(["--tolerance", "1e-5"])
        #expect(measured.maxRelError > 1e-5 && measured.maxRelError < 1e-2, "\(measured)")
        #expect(bad.status == 1, "\(bad.stderr)")
        #expect(bad.stdout.contains("features: max abs error") && bad.stdout.contains("BEYOND --tolerance 1e-05"), "\(bad.stdout)")
        #expect(bad.stderr.hasPrefix("tessera: error: --compare failed: 1 of 1 output(s) differ from the reference interpreter beyond --tolerance 1e-05: \"features\" (relative error \(measured.maxRelError))"), "\(bad.stderr)")
        let (good, same) = try run([])
        #expect(same.maxRelError == measured.maxRelError)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("within --tolerance 0.01"), "\(good.stdout)")
        let (explicit, _) = try run(["--tolerance", "\(measured.maxRelError * 1.01)"])
        #expect(explicit.status == 0, "\(explicit.stderr)")
        let negative = try TestEnvironment.cli(["run", dir + "/residual.json", "--input", dir + "/in.json", "-o", dir + "/neg.json", "--compare",
                                                "--tolerance=-1"])
        #expect(negative.status == 2 && negative.stderr.contains("--tolerance must be a non-negative number"), "\(negative.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/neg.json"))
    }

    /// --in-place: auto places the output of a depthwise layer at the arena's peak over its
    /// input (its kernel then walks pixel by pixel), never keeps them apart, and the arena the
    /// report states follows: the output starts (12 + 2) pixels below the input.
    @Test func inPlaceOptionPlacesTheDepthwiseOutputOverItsInput() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let model = dir + "/chain.json"
        try TestEnvironment.write(JSONWriter.write(ModelWriter.json(try PlannerTests.depthwiseChain(24, wideFirst: false))), to: model)
        var arena: [String: Double] = [:]
        for policy in ["auto", "never"] {
            let r = try TestEnvironment.cli(["compile", model, "--target", "corstone300", "--precision", "fp32", "--in-place", policy, "-o", dir + "/" + policy])
            #expect(r.status == 0, "\(r.stderr)")
            let source = try String(contentsOfFile: dir + "/\(policy)/chain.c", encoding: .utf8)
            #expect(source.contains("; output over its input, walking forwards") == (policy == "auto"), "--in-place \(policy)")
            #expect(source.contains(".walk = TSR_WALK_FORWARD") == (policy == "auto"))
            let report = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: dir + "/\(policy)/report.json")), file: "report.json")
            arena[policy] = report["memory"]?["arena_bytes"]?.number
        }
        #expect(arena["never"]! - arena["auto"]! == Double(12 * 12 * 24 * 4 - (12 + 2) * 24 * 4))
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

    /// What Tessera does not support is tagged (the conformance run skips on that tag only).
    @Test func unsupportedFeaturesAreTagged() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        var b = ModelBuilder("reflect")
        b.input("x", [1, 2, 4, 4])
        b.output(b.node("Pad", ["x", b.int64("pads", [0, 0, 1, 1, 0, 0, 1, 1])], name: "pad", outputs: ["y"], [("mode", .string("reflect"))]))
        try TestEnvironment.write(b.text, to: dir + "/reflect.json")
        let r = try TestEnvironment.cli(["compile", dir + "/reflect.json", "-o", dir + "/out"])
        #expect(r.status == 2)
        #expect(r.stderr == "tessera: error: unsupported: nodes[0] \"pad\": Pad mode \"reflect\" is not supported (only constant)\n", "\(r.stderr)")
        // A bad model is not tagged.
        let bad = try TestEnvironment.cli(["inspect", TestEnvironment.repositoryRoot.path + "/Examples/nonexistent.json"])
        #expect(bad.status == 2 && bad.stderr.hasPrefix("tessera: error: ") && !bad.stderr.contains("unsupported:"), "\(bad.stderr)")
    }

    @Test(arguments: [["frobnicate"], ["compile"], ["inspect", "/nonexistent/model.json"], ["inspect", "x.json", "--format", "xml"],
                      ["compile", "Examples/tiny_mlp.json", "--target", "stm32nope", "-o", "/tmp/never"]])
    func usageAndInputErrorsExitWith2(_ arguments: [String]) throws {
        let r = try TestEnvironment.cli(arguments, directory: TestEnvironment.repositoryRoot.path)
        #expect(r.status == 2, "\(arguments): \(r.stderr)")
        #expect(!r.stderr.isEmpty)
    }
}
