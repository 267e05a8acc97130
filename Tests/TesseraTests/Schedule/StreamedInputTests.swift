import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// `--input streamed`: the model pulls its input through `<model>_read_input`, which the
/// host harness provides from the frame it read (logging every call). The reads are
/// checked against hand-worked regions: line buffers read every row exactly once, patches
/// read their halos, a layer run whole reads the whole frame; and the outputs against the
/// same compilation with a caller-owned input, bit for bit, in the memory checking mode.
@Suite struct StreamedInputTests {
    struct Read: Hashable, CustomStringConvertible {
        var row, col, height, width: Int
        var description: String { "(\(row), \(col), \(height)x\(width))" }
    }

    static func compile(_ graph: Graph, _ precision: Precision, _ schedule: String, streamed: Bool,
                        layout: DataLayout = .nchw, io: DType = .float32) throws -> CompiledModel {
        var options = CompileOptions(target: "host", precision: precision, io: io)
        options.schedule = try ScheduleRequest(parsing: schedule)
        options.streamedInput = streamed
        options.inputLayout = layout
        return try Compiler.compile(graph, options: options)
    }

    /// Runs `model` in the memory checking mode on `inputs`; returns its outputs and the
    /// reads its input callback served.
    static func run(_ model: CompiledModel, _ inputs: OrderedDictionary<String, TensorValue>) throws
        -> (outputs: OrderedDictionary<String, TensorValue>, reads: [Read]) {
        let dir = try HostRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let exe = try HostRunner.build(model, in: dir, checkMemory: true)
        let (inPath, outPath, log) = (dir + "/in.json", dir + "/out.json", dir + "/reads.txt")
        try TensorsJSON.write(inputs, to: inPath)
        let result = try Shell.run("/usr/bin/env", ["TSR_STREAM_LOG=\(log)", exe, inPath, outPath])
        guard result.status == 0 else { throw TesseraError.toolFailed(tool: "host harness", status: result.status, output: result.output) }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let reads = text.split(separator: "\n").map { line in
            let v = line.split(separator: " ").compactMap { Int($0) }
            return Read(row: v[0], col: v[1], height: v[2], width: v[3])
        }
        return (try TensorsJSON.read(path: outPath), reads)
    }

    /// Random inputs of the compiled API's shapes (NHWC with `--input-layout nhwc`).
    static func inputs(_ model: CompiledModel, seed: UInt64) -> OrderedDictionary<String, TensorValue> {
        var rng = SeededRandom(seed: seed)
        return OrderedDictionary(uniqueKeysWithValues: model.graph.inputs.map { ($0.name, rng.tensor($0.type.shape)) })
    }

    /// One 3x3 convolution (pads 1) of a 1 x 2 x 8 x 6 input.
    static func conv3x3() throws -> Graph {
        var b = ModelBuilder("stream_conv", seed: 3)
        b.input("x", [1, 2, 8, 6])
        let c = b.node("Conv", ["x", b.weight("w", [4, 2, 3, 3]), b.weight("b", [4])], name: "conv", [("pads", ints([1, 1, 1, 1]))])
        b.output(b.node("Relu", [c], name: "relu", outputs: ["y"]))
        return try b.graph()
    }

    /// Hand-worked reads of the 8 x 6 frame. Bands of one row: every row once, whole width
    /// (the line buffers keep the rows a later band still needs). A 2 x 2 grid of 4 x 3
    /// output patches: each reads its rows and columns plus the one-pixel halo inside the
    /// frame, rows 0..4 or 3..7 and columns 0..3 or 2..5, 80 pixels for the 48 of the frame.
    /// Layer by layer: the whole frame, once.
    @Test func readsAreTheRegionsEachScheduleNeeds() throws {
        let graph = try Self.conv3x3()
        let expected: [(String, [Read])] = [
            ("band:1@conv", (0..<8).map { Read(row: $0, col: 0, height: 1, width: 6) }),
            ("patch:2x2@conv", [Read(row: 0, col: 0, height: 5, width: 4), Read(row: 0, col: 2, height: 5, width: 4),
                                Read(row: 3, col: 0, height: 5, width: 4), Read(row: 3, col: 2, height: 5, width: 4)]),
            ("layer", [Read(row: 0, col: 0, height: 8, width: 6)]),
        ]
        for (schedule, reads) in expected {
            let streamed = try Self.compile(graph, .fp32, schedule, streamed: true)
            let caller = try Self.compile(graph, .fp32, schedule, streamed: false)
            let x = Self.inputs(streamed, seed: 4)
            let (out, got) = try Self.run(streamed, x)
            #expect(Set(got) == Set(reads) && got.count == reads.count, "\(schedule): read \(got), expected \(reads)")
            let reference = try HostRunner.compileAndRun(caller, inputs: x, checkMemory: true)
            let differ = zip(out["y"]?.data ?? [], reference["y"]?.data ?? []).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(out["y"]?.data.count == reference["y"]?.data.count && differ == 0, "\(schedule): \(differ) outputs differ from the caller-owned input's")
            // The caller's input buffer is gone from the generated API.
            let source = try #require(streamed.files.first { $0.name == "stream_conv.c" }?.contents)
            #expect(!source.contains("inputs[0]") && source.contains("stream_conv_read_input("))
        }
    }

    /// Both layouts, fp32 and fp16 with half I/O, residual Adds reading the input inside
    /// the stage, bands and patches: bit for bit against the caller-owned input.
    @Test(arguments: [("residual", "band:2@gap"), ("residual", "patch:3x2@gap"), ("conv_relu_pool", "band:1@pool2"),
                      ("conv_relu_pool", "patch:2x2@pool1")])
    func streamedAgreesWithTheCallerBuffer(_ c: (String, String)) throws {
        let graph = try SyntheticModels.named(c.0).graph()
        for (precision, io, layout) in [(Precision.fp32, DType.float32, DataLayout.nchw), (.fp16, .float16, .nhwc)] {
            let streamed = try Self.compile(graph, precision, c.1, streamed: true, layout: layout, io: io)
            let caller = try Self.compile(graph, precision, c.1, streamed: false, layout: layout, io: io)
            #expect(streamed.graph.nodes.contains { $0.op == .readInput } && !streamed.graph.nodes.contains { $0.op == .slice && $0.inputs[0] == graph.inputs[0].name })
            let x = Self.inputs(streamed, seed: 8)
            let (out, reads) = try Self.run(streamed, x)
            #expect(!reads.isEmpty)
            let reference = try HostRunner.compileAndRun(caller, inputs: x, checkMemory: true)
            for (name, r) in reference {
                let y = try #require(out[name])
                let differ = zip(r.data, y.data).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(r.shape == y.shape && differ == 0, "\(c.0) \(c.1) \(precision.rawValue) \(layout.rawValue) \(name): \(differ) values differ")
            }
            let report = try #require(streamed.files.first { $0.name == "report.json" }?.contents)
            #expect(report.contains("\"input\": \"streamed\""))
        }
    }

    @Test func streamedInputRefusesWhatItCannotStream() throws {
        func message(_ graph: Graph, ioInArena: Bool = false) -> String {
            var options = CompileOptions(target: "host", precision: .fp32)
            options.streamedInput = true
            options.ioInArena = ioInArena
            do {
                _ = try Compiler.compile(graph, options: options)
                return "compiled"
            } catch let e as TesseraError {
                guard case .usage = e else { return "not a usage error: \(e)" }
                return e.description
            } catch { return "\(error)" }
        }
        let mlp = try SyntheticModels.named("mlp").graph()
        #expect(message(mlp).contains("needs a 4-D image input of batch 1; \"\(mlp.inputs[0].name)\""))
        #expect(message(try Self.conv3x3(), ioInArena: true).contains("--io-in-arena"))
        var b = ModelBuilder("two_inputs", seed: 1)
        b.input("a", [1, 1, 4, 4])
        b.input("b", [1, 1, 4, 4])
        b.output(b.node("Add", ["a", "b"], name: "add", outputs: ["y"]))
        #expect(message(try b.graph()).contains("one input; \"two_inputs\" has 2"))
    }
}
