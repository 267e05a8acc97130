import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// What the differential tests share, made once per run: the cases (the synthetic models
/// and the seeded sweep) and onnxruntime's outputs for them, from one batch run.
struct DifferentialBatch: Sendable {
    var cases: [DifferentialCase]
    /// Models the generator made that Tessera rejected.
    var problems: [String]
    var onnxruntime: [String: Result<[String: TensorValue], OnnxruntimeBatch.Failure>]

    static let shared: Result<DifferentialBatch, any Error> = Result { try make() }

    static func make() throws -> DifferentialBatch {
        let start = Date()
        var set = DifferentialSweep.cases()
        for name in SyntheticModels.names {
            set.add("synthetic", SyntheticModels.named(name), name: "synthetic-\(name)")
        }
        let results = try OnnxruntimeBatch.run(set.cases.map { .init(name: $0.name, graph: $0.reference, inputs: $0.inputs) })
        print("differential: \(set.cases.count) cases exported and run on onnxruntime in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        return DifferentialBatch(cases: set.cases, problems: set.problems, onnxruntime: results)
    }

    /// onnxruntime's outputs of `c`, or nil (with an issue recorded) when it has none.
    func expected(_ c: DifferentialCase) -> [String: TensorValue]? {
        switch onnxruntime[c.name] {
        case let .success(v)?: return v
        case let .failure(e)?:
            Issue.record("\(c.name) [\(c.summary)]: onnxruntime could not run the exported model: \(e)")
            return nil
        case nil:
            Issue.record("\(c.name): no onnxruntime result")
            return nil
        }
    }
}

/// Compares outputs with onnxruntime's and keeps the worst errors for the report.
struct DifferentialCheck {
    let label: String
    let tolerance: Double
    /// The error is max|a - b| / max(max|b|, floor): 0 for FP32 (relative, as everywhere);
    /// Tolerance.halfScaleFloor for the FP16 modes.
    let floor: Double
    var failures = 0
    var compared = 0
    /// Worst relative error per family, with its case.
    var worst: [String: (error: Double, name: String)] = [:]

    init(_ label: String, tolerance: Double, floor: Double = 0) {
        self.label = label
        self.tolerance = tolerance
        self.floor = floor
    }

    mutating func check(_ c: DifferentialCase, _ output: String, _ actual: TensorValue?, _ expected: TensorValue?) {
        compared += 1
        guard let actual, let expected else {
            fail("\(label): \(c.name) output \(output) [\(c.summary)]: missing (ours: \(actual != nil), onnxruntime: \(expected != nil))")
            return
        }
        let cmp = Comparison(actual, expected)
        if cmp.mismatchedShape {
            fail("\(label): \(c.name) output \(output) [\(c.summary)]: shape \(shapeText(actual.shape)), onnxruntime \(shapeText(expected.shape))")
            return
        }
        let scale = Swift.max(expected.data.reduce(0) { Swift.max($0, Swift.abs(Double($1))) }, floor)
        let error = cmp.maxAbsError == 0 ? 0 : cmp.maxAbsError / Swift.max(scale, .leastNormalMagnitude)
        if error > (worst[c.family]?.error ?? -1) { worst[c.family] = (error, c.name) }
        if !(error <= tolerance) {
            let at = shapeText(DifferentialCase.index(cmp.worstIndex, in: expected.shape))
            let what = floor > 0 ? "error relative to max(max|onnxruntime|, \(floor))" : "relative error"
            fail("\(label): \(c.name) output \(output) [\(c.summary)]: \(what) \(error) > \(tolerance) (max abs \(cmp.maxAbsError)); worst element \(at): \(cmp.worstActual), onnxruntime \(cmp.worstExpected)")
        }
    }

    mutating func fail(_ message: String) {
        failures += 1
        if failures <= 30 { Issue.record(Comment(rawValue: message)) }
    }

    func finish() {
        if failures > 30 { Issue.record("\(label): \(failures) outputs out of tolerance, the first 30 recorded") }
        let overall = worst.values.max { $0.error < $1.error }
        print("differential \(label): \(compared) outputs, \(failures) beyond \(tolerance); worst relative error \(overall.map { String(format: "%.3g (%@)", $0.error, $0.name) } ?? "-")")
        print("  worst per family: " + worst.sorted { $0.key < $1.key }.map { String(format: "%@ %.2g", $0.key, $0.value.error) }.joined(separator: ", "))
    }
}

/// Tessera against an independent reference: every case exported to ONNX and run on
/// onnxruntime, against Tessera's reference interpreter (on the model-file graph) and the
/// generated C built and run through the host harness in every precision. Shared-spec
/// mistakes (a window, a padding, a broadcast stride, a Slice offset, a Resize index table)
/// are on the interpreter's and the kernels' side alike; here they meet onnxruntime.
@Suite struct DifferentialTests {
    static func batch() throws -> DifferentialBatch { try DifferentialBatch.shared.get() }

    @Test func theSweepCoversEveryOpOfTheModelFormat() throws {
        let batch = try Self.batch()
        for problem in batch.problems { Issue.record(Comment(rawValue: "the sweep made a model Tessera rejects: \(problem)")) }
        var nodes: [String: Int] = [:], families: [String: Int] = [:]
        for c in batch.cases {
            families[c.family, default: 0] += 1
            for n in c.graph.nodes { nodes[n.op.name, default: 0] += 1 }
        }
        for op in Op.allCases where !op.isInternal {
            #expect(nodes[op.name, default: 0] > 0, "no case of \(op.name)")
        }
        #expect(batch.cases.count >= 500, "\(batch.cases.count) cases")
        #expect(Set(batch.cases.map(\.name)).count == batch.cases.count, "case names repeat")
        print("differential: \(batch.cases.count) cases; per family: " + families.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print("differential: nodes per op: " + nodes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        for c in batch.cases { _ = batch.expected(c) }
    }

    /// The modes the sweep leaves out are the ones Tessera does not support, and it says so
    /// (TesseraError.unsupported, naming the op and the mode) instead of computing something
    /// else: Pad's reflect, edge and wrap; Resize's linear and cubic modes, the
    /// half_pixel_symmetric and tf_crop_and_resize transformations and antialias.
    @Test(arguments: [("Pad", "mode", "reflect"), ("Pad", "mode", "edge"), ("Pad", "mode", "wrap"),
                      ("Resize", "mode", "linear"), ("Resize", "mode", "cubic"),
                      ("Resize", "coordinate_transformation_mode", "half_pixel_symmetric"),
                      ("Resize", "coordinate_transformation_mode", "tf_crop_and_resize"), ("Resize", "antialias", "1")])
    func modesOutsideTheSweepAreRejectedAsUnsupported(_ c: (String, String, String)) throws {
        let (op, attribute, value) = c
        var b = ModelBuilder("unsupported")
        b.input("x", [1, 2, 4, 4])
        let operands = op == "Pad" ? [b.int64("pads", [0, 0, 1, 1, 0, 0, 1, 1])] : ["", b.constant("scales", [4], [1, 1, 2, 2])]
        let v: JSONValue = attribute == "antialias" ? .int(Int(value)!) : .string(value)
        b.output(b.node(op, ["x"] + operands, name: "node", outputs: ["y"], [(attribute, v)]))
        do {
            _ = try b.graph()
            Issue.record("\(op) \(attribute)=\(value) was accepted")
        } catch let e as TesseraError {
            guard case let .unsupported(_, message) = e else { Issue.record("\(op) \(attribute)=\(value): \(e) is not an unsupported error"); return }
            #expect(message.contains(op) && (message.contains(value) || attribute == "antialias"), "\(message)")
        }
    }

    @Test func referenceInterpreterMatchesOnnxruntime() throws {
        let batch = try Self.batch()
        var check = DifferentialCheck("reference interpreter", tolerance: Tolerance.fp32)
        for c in batch.cases {
            guard let expected = batch.expected(c) else { continue }
            let actual = try ReferenceInterpreter.run(c.graph, inputs: c.inputs)
            for output in c.graph.outputs { check.check(c, output, actual[output], expected[output]) }
        }
        check.finish()
    }

    @Test(arguments: Precision.allCases)
    func generatedCodeMatchesOnnxruntime(_ precision: Precision) throws {
        let batch = try Self.batch()
        let start = Date()
        let cases = batch.cases.filter { precision == .fp32 || $0.halfComparable }
        let outputs = HostBatch.run(cases, precision: precision)
        var check = DifferentialCheck("host C at \(precision.rawValue)", tolerance: Tolerance.againstFP32(precision),
                                      floor: precision.isHalf ? Tolerance.halfScaleFloor : 0)
        for c in cases {
            guard let expected = batch.expected(c) else { continue }
            switch outputs[c.name] {
            case let .success(actual)?:
                for output in c.graph.outputs { check.check(c, output, actual[output], expected[output]) }
            case let .failure(error)?:
                check.fail("host C at \(precision.rawValue): \(c.name) [\(c.summary)]: \(error)")
            case nil:
                check.fail("host C at \(precision.rawValue): \(c.name): no outputs")
            }
        }
        check.finish()
        print("differential host C at \(precision.rawValue): \(cases.count) cases (\(batch.cases.count - cases.count) discontinuous ones FP32 only) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }
}

/// Builds many cases into one model (each case's names prefixed, its graph a branch of
/// its own), so that one compilation and one harness build and run covers them all; a
/// batch that fails to compile, build or run is split in halves until the failing cases
/// are found, each failure then reported on its own case.
enum HostBatch {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ cases: [DifferentialCase], precision: Precision) -> [String: Result<[String: TensorValue], Failure>] {
        var result: [String: Result<[String: TensorValue], Failure>] = [:]
        for start in stride(from: 0, to: cases.count, by: chunk) {
            result.merge(bisect(Array(cases[start..<min(start + chunk, cases.count)]), precision: precision)) { a, _ in a }
        }
        return result
    }

    /// Runs `cases` as one model; when that fails, each half on its own, down to the cases
    /// that fail alone.
    static func bisect(_ cases: [DifferentialCase], precision: Precision) -> [String: Result<[String: TensorValue], Failure>] {
        guard !cases.isEmpty else { return [:] }
        do {
            return try runTogether(cases, precision: precision).mapValues { .success($0) }
        } catch {
            if cases.count == 1 { return [cases[0].name: .failure(Failure(description: "\(error)"))] }
            let half = cases.count / 2
            return bisect(Array(cases[..<half]), precision: precision).merging(bisect(Array(cases[half...]), precision: precision)) { a, _ in a }
        }
    }

    static func prefix(_ k: Int) -> String { "c\(k)_" }

    /// The cases as one graph: every tensor and node of case k prefixed with "c<k>_".
    static func merge(_ cases: [DifferentialCase]) throws -> Graph {
        var g = Graph(name: "differential", inputs: [], outputs: [], constants: [:], nodes: [])
        for (k, c) in cases.enumerated() {
            let p = prefix(k)
            func renamed(_ s: String) -> String { s.isEmpty ? s : p + s }
            g.inputs += c.graph.inputs.map { GraphInput(name: renamed($0.name), type: $0.type) }
            g.outputs += c.graph.outputs.map(renamed)
            for (name, constant) in c.graph.constants {
                var constant = constant
                constant.name = renamed(name)
                constant.sourceIndex = nil
                g.constants[constant.name] = constant
            }
            for node in c.graph.nodes {
                var n = node
                n.name = renamed(n.name)
                n.inputs = n.inputs.map(renamed)
                n.outputs = n.outputs.map(renamed)
                n.sourceIndex = g.nodes.count
                g.nodes.append(n)
            }
            for (name, t) in c.graph.types { g.types[renamed(name)] = t }
        }
        try Verifier.verify(g)
        return g
    }

    /// Cases per model: the passes and the memory planner grow faster than linearly with the
    /// graph, so a few hundred cases compile faster in chunks than as one model.
    static let chunk = 60

    static func runTogether(_ cases: [DifferentialCase], precision: Precision) throws -> [String: [String: TensorValue]] {
        let graph = try merge(cases)
        let model = try Compiler.compile(graph, options: CompileOptions(precision: precision))
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let exe = try HostKernels.build(model, in: dir)
        var inputs = OrderedDictionary<String, TensorValue>()
        for (k, c) in cases.enumerated() {
            for input in c.graph.inputs { inputs[prefix(k) + input.name] = c.inputs[input.name] }
        }
        let outputs = try HostRunner.run(executable: exe, inputs: inputs, in: dir)
        var result: [String: [String: TensorValue]] = [:]
        for (k, c) in cases.enumerated() {
            var mine: [String: TensorValue] = [:]
            for output in c.graph.outputs { mine[output] = outputs[prefix(k) + output] }
            result[c.name] = mine
        }
        return result
    }
}

/// The runtime kernels compiled once per test run into a static library, with the host
/// harness's flags (HostRunner.strictFlags, -O2), so that building a model through the
/// harness compiles only the model's own files. HostRunner.build compiles the same sources,
/// copied next to the model, with the same flags.
enum HostKernels {
    final class Errors: @unchecked Sendable {
        let lock = NSLock()
        var messages: [String] = []

        func add(_ message: String) {
            lock.lock()
            messages.append(message)
            lock.unlock()
        }
    }

    nonisolated(unsafe) static var directory: String?

    static let library: Result<String, any Error> = Result {
        let dir = try TestEnvironment.temporaryDirectory()
        directory = dir
        atexit { if let d = HostKernels.directory { try? FileManager.default.removeItem(atPath: d) } }
        let source = ResourcePaths.kernels.path
        let files = try FileManager.default.contentsOfDirectory(atPath: source).filter { $0.hasPrefix("tsr_") && $0.hasSuffix(".c") }.sorted()
        let errors = Errors()
        DispatchQueue.concurrentPerform(iterations: files.count) { k in
            let args = HostRunner.strictFlags + ["-O2", "-I", source, "-I", source + "/include", "-c", source + "/" + files[k], "-o", dir + "/\(files[k]).o"]
            do {
                let r = try Shell.run(HostRunner.compiler, args)
                if r.status != 0 { errors.add("\(files[k]): \(r.output)") }
            } catch {
                errors.add("\(files[k]): \(error)")
            }
        }
        guard errors.messages.isEmpty else { throw HostBatch.Failure(description: "the kernels do not build: " + errors.messages.joined(separator: "\n")) }
        let archive = dir + "/libtsr_kernels.a"
        let r = try Shell.run("ar", ["rcs", archive] + files.map { dir + "/\($0).o" })
        guard r.status == 0 else { throw HostBatch.Failure(description: "ar failed: \(r.output)") }
        return archive
    }

    /// Writes `model` into `directory`/model and builds the host harness for it against the
    /// kernel library; returns the executable.
    static func build(_ model: CompiledModel, in directory: String) throws -> String {
        let archive = try library.get()
        let modelDir = directory + "/model"
        try Compiler.write(model, to: modelDir)
        let own = model.files.map(\.name).filter { $0.hasSuffix(".c") && !$0.hasPrefix("tsr_") }.map { modelDir + "/" + $0 }
        let exe = directory + "/harness"
        let p = model.symbolPrefix
        let args = HostRunner.strictFlags + ["-O2", "-DTSR_MODEL_HEADER=\"\(p).h\"", "-DTSR_MODEL_DESC=\(p)_desc", "-I", modelDir,
                                            ResourcePaths.targets.appendingPathComponent("host/harness.c").path] + own + [archive, "-ljson-c", "-lm", "-o", exe]
        let r = try Shell.run(HostRunner.compiler, args)
        guard r.status == 0 else { throw TesseraError.toolFailed(tool: HostRunner.compiler, status: r.status, output: r.output) }
        return exe
    }
}
