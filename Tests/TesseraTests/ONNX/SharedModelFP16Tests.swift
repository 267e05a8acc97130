import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// The MLPerf Tiny networks in each FP16 mode against FP32, on the three reference inputs and
/// 100 random ones: the argmax identical in every mode, and the worst error within the mode's
/// bound (`Tolerance.fp16Model`). Also the error no accumulation mode controls: FP32
/// arithmetic with only the weights rounded to half. Each figure is measured once
/// (`FP16Accuracy.measured`) and printed; the README's precision table states them
/// (`PrecisionFigureTests` checks it).
@Suite(.enabled(if: SharedModels.available, SharedModels.skipReason))
struct SharedModelFP16Tests {
    static let cases: [(String, Precision)] = SharedModels.names.flatMap { m in FP16Accuracy.modes.map { (m, $0) } }

    @Test(arguments: cases)
    func halfPrecisionAgreesWithFP32(_ c: (String, Precision)) throws {
        let (name, precision) = c
        let softmax = SharedModels.expectations.first { $0.name == name }!.softmax
        let a = try #require(try FP16Accuracy.result().figures[FP16Accuracy.Key(network: name, candidate: precision.rawValue)])
        let bound = softmax ? Tolerance.fp16Model(precision).softmaxAbsolute : Tolerance.fp16Model(precision).relative
        #expect(a.argmaxDisagreements == 0, "\(name) at \(precision.rawValue): argmax differs on \(a.argmaxDisagreements) of \(FP16Accuracy.inputCount) inputs")
        #expect(a.worst <= bound, "\(name) at \(precision.rawValue): worst \(softmax ? "absolute" : "relative") error \(a.worst) above \(bound)")
        print("fp16 accuracy: \(name) \(precision.rawValue) worst \(softmax ? "abs" : "rel") error \(a.worst), argmax differs on \(a.argmaxDisagreements) of \(FP16Accuracy.inputCount) inputs")
    }

    /// The network in FP32 arithmetic with only its weights and biases rounded to half, as
    /// every FP16 mode stores them: on ResNet-8 that alone takes most of the `fp16-acc32` bound.
    @Test(arguments: SharedModels.names)
    func weightsRoundedToHalfAloneStayWithinTheBound(_ name: String) throws {
        let softmax = SharedModels.expectations.first { $0.name == name }!.softmax
        let a = try #require(try FP16Accuracy.result().figures[FP16Accuracy.Key(network: name, candidate: FP16Accuracy.weightsOnly)])
        let bound = softmax ? Tolerance.fp16Model(.fp16Acc32).softmaxAbsolute : Tolerance.fp16Model(.fp16Acc32).relative
        #expect(a.argmaxDisagreements == 0, "\(name), weights rounded to half: argmax differs on \(a.argmaxDisagreements) inputs")
        #expect(a.worst > 0 && a.worst <= bound, "\(name), weights rounded to half: worst error \(a.worst)")
        print("fp16 accuracy: \(name) weights rounded to half, FP32 arithmetic, worst \(softmax ? "abs" : "rel") error \(a.worst)")
    }
}

/// The accuracy figures of the FP16 modes, measured once for every test that reads them.
enum FP16Accuracy {
    static let modes: [Precision] = [.fp16Acc32, .fp16, .fp16Acc16]
    /// The candidate name of FP32 arithmetic on weights rounded to half.
    static let weightsOnly = "weights-f16"
    static let inputCount = 103

    struct Key: Hashable, Sendable {
        var network: String
        /// A precision's name, or `weightsOnly`.
        var candidate: String
    }

    struct Figure: Sendable {
        /// Softmax outputs: the largest absolute error; other outputs: the largest relative one.
        var worst: Double
        var argmaxDisagreements: Int
    }

    struct Measured: Sendable {
        var figures: [Key: Figure]
    }

    static let measured: Result<Measured, MeasurementError> = {
        let names = SharedModels.names
        let lock = NSLock()
        nonisolated(unsafe) var figures: [Key: Figure] = [:]
        nonisolated(unsafe) var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: names.count) { i in
            do {
                let f = try measure(names[i])
                lock.withLock { figures.merge(f) { a, _ in a } }
            } catch {
                lock.withLock { failures.append("\(names[i]): \(error)") }
            }
        }
        return failures.isEmpty ? .success(Measured(figures: figures)) : .failure(MeasurementError(message: failures.joined(separator: "\n")))
    }()

    struct MeasurementError: Error, Sendable { var message: String }

    static func result() throws -> Measured { try measured.get() }

    /// The three reference inputs and 100 seeded uniform [0, 1) ones.
    static func inputs(_ graph: Graph, _ name: String) throws -> [OrderedDictionary<String, TensorValue>] {
        var all = try (0..<3).map { k in
            let ref = try SharedModels.reference(name, k).inputs
            return OrderedDictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, ref[$0.name]!) })
        }
        var rng = SeededRandom(seed: 100)
        for _ in 0..<(inputCount - 3) {
            all.append(OrderedDictionary(uniqueKeysWithValues: graph.inputs.map { i in
                (i.name, TensorValue(shape: i.type.shape, data: rng.values(i.type.elementCount, 0, 1)))
            }))
        }
        return all
    }

    /// Every candidate of one network against its FP32 host build, on the same inputs.
    static func measure(_ name: String) throws -> [Key: Figure] {
        let softmax = SharedModels.expectations.first { $0.name == name }!.softmax
        let graph = try ONNXImporter.load(path: "\(SharedModels.directory)/\(name).onnx").graph
        var rounded = graph
        for (key, constant) in graph.constants {
            if case let .float(values) = constant.data { rounded.constants[key]!.data = .float(values.map { Float(Float16($0)) }) }
        }
        guard rounded != graph else { throw MeasurementError(message: "\(name): no weight changed when rounded to half") }
        var candidates: [(String, Graph, Precision)] = modes.map { ($0.rawValue, graph, $0) }
        candidates.append((weightsOnly, rounded, .fp32))
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        func build(_ g: Graph, _ p: Precision, _ sub: String) throws -> String {
            try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
            return try HostRunner.build(try Compiler.compile(g, options: CompileOptions(precision: p)), in: dir + "/" + sub, checkMemory: true)
        }
        let reference = try build(graph, .fp32, "fp32")
        let executables = try candidates.map { try build($0.1, $0.2, $0.0) }
        var worst = [Double](repeating: 0, count: candidates.count), flips = [Int](repeating: 0, count: candidates.count)
        func argmax(_ v: TensorValue) -> Int? { v.data.indices.max { v.data[$0] < v.data[$1] } }
        for input in try inputs(graph, name) {
            let expected = try HostRunner.run(executable: reference, inputs: input, in: dir + "/fp32")
            for (c, exe) in executables.enumerated() {
                let actual = try HostRunner.run(executable: exe, inputs: input, in: dir + "/" + candidates[c].0)
                for (output, e) in expected {
                    guard let a = actual[output] else { throw MeasurementError(message: "\(name) \(candidates[c].0): no output \(output)") }
                    let cmp = Comparison(a, e)
                    worst[c] = max(worst[c], softmax ? cmp.maxAbsError : cmp.maxRelError)
                    if softmax && argmax(a) != argmax(e) { flips[c] += 1 }
                }
            }
        }
        var figures: [Key: Figure] = [:]
        for (c, candidate) in candidates.enumerated() {
            figures[Key(network: name, candidate: candidate.0)] = Figure(worst: worst[c], argmaxDisagreements: flips[c])
        }
        return figures
    }
}
