import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// Whole plans: the arena against the lower bound on every model of the suite and the
/// shared networks, and the inputs and outputs in the arena (`--io-in-arena`).
@Suite struct ArenaPlanTests {
    static var suiteModels: [(String, Graph)] {
        get throws {
            var out = try SyntheticModels.names.map { ($0, try SyntheticModels.named($0).graph()) }
            out.append(("digits_cnn", try FrontEnd.load(path: TestEnvironment.repositoryRoot.path + "/Examples/digits_cnn.json")))
            return out
        }
    }

    static let targets = ["host", "stm32h743", "corstone300"]

    /// Arena <= 1.02 x the lower bound (the largest total live at any layer, after the
    /// overlap decisions), in fp32 and fp16, caller-owned I/O and I/O in the arena.
    @Test func arenaIsWithinTwoPercentOfTheLowerBound() throws {
        var graphs = try Self.suiteModels
        if SharedModels.available {
            for m in SharedModels.expectations.map(\.name) { graphs.append((m, try ONNXImporter.load(path: SharedModels.directory + "/\(m).onnx").graph)) }
        } else {
            print("ArenaPlanTests: \(SharedModels.skipReason): the shared networks are skipped")
        }
        for (name, graph) in graphs {
            for target in Self.targets {
                for precision in [Precision.fp32, .fp16] {
                    for ioInArena in [false, true] {
                        var options = CompileOptions(target: target, precision: precision)
                        options.ioInArena = ioInArena
                        let plan = try Compiler.compile(graph, options: options).plan
                        let label = "\(name) on \(target) at \(precision.rawValue)\(ioInArena ? ", I/O in the arena" : "")"
                        #expect(plan.arenaBytes >= plan.lowerBoundBytes, "\(label)")
                        #expect(Double(plan.arenaBytes) <= 1.02 * Double(plan.lowerBoundBytes), "\(label): arena \(plan.arenaBytes), bound \(plan.lowerBoundBytes)")
                    }
                }
            }
        }
    }

    /// With I/O in the arena the input and output are arena buffers, the run (through the
    /// copying entry point, in the checking mode) matches the reference, and the input's
    /// bytes are reused once read.
    @Test(arguments: ["conv_relu_pool", "dw_separable", "residual", "mlp"])
    func ioInTheArena(_ name: String) throws {
        let graph = try SyntheticModels.named(name).graph()
        var options = CompileOptions(precision: .fp32)
        options.ioInArena = true
        let model = try Compiler.compile(graph, options: options)
        let plan = model.plan
        guard case let .arena(inOffset)? = plan.locations[graph.inputs[0].name] else {
            Issue.record("\(name): the input is not in the arena")
            return
        }
        for output in graph.outputs {
            guard case .arena? = plan.locations[output] else { Issue.record("\(name): output \(output) not in the arena"); continue }
        }
        let input = try #require(plan.buffers.first { $0.tensors.contains(graph.inputs[0].name) })
        #expect(input.offset == inOffset && input.first == 0)
        let reused = plan.buffers.contains { b in b.first > input.last && b.offset < input.offset + input.bytes && input.offset < b.offset + b.bytes }
        #expect(reused, "\(name): no later buffer reuses the input's bytes")
        let source = try #require(model.files.first { $0.name == "\(model.symbolPrefix).c" }?.contents)
        #expect(source.contains("int \(model.symbolPrefix)_invoke(void *arena)"))
        #expect(source.contains("void *\(model.symbolPrefix)_input(void *arena, int32_t i)"))
        let inputs = randomInputs(graph, seed: 81)
        let ordered = OrderedDictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, inputs[$0.name]!) })
        let outputs = try HostRunner.compileAndRun(model, inputs: ordered, checkMemory: true)
        let expected = try ReferenceInterpreter.run(model.graph, inputs: inputs)
        for output in graph.outputs {
            let cmp = Comparison(try #require(outputs[output]), try #require(expected[output]))
            #expect(cmp.within(relative: 1e-5), "\(name), \(output): \(cmp)")
        }
    }
}
