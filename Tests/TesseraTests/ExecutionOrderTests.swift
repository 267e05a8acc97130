import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// The execution order of graphs with branches: a hand-worked Inception-like block whose
/// model order interleaves two branches (both wide tensors live together), which the
/// planner runs depth first instead.
@Suite struct ExecutionOrderTests {
    /// x [1,4,8,8] -> two branches, each a 1x1 conv to 32 channels (8 KiB in float) then a
    /// 1x1 conv to 2 channels (512 B), listed interleaved (a1, b1, a2, b2), then Concat.
    static func branches() throws -> Graph {
        var b = ModelBuilder("branches", seed: 91)
        let x = b.node("Sigmoid", [b.input("x", [1, 4, 8, 8])], name: "x_act")
        let a1 = b.node("Conv", [x, b.weight("wa1", [32, 4, 1, 1])], name: "a1")
        let b1 = b.node("Conv", [x, b.weight("wb1", [32, 4, 1, 1])], name: "b1")
        let a2 = b.node("Conv", [a1, b.weight("wa2", [2, 32, 1, 1])], name: "a2")
        let b2 = b.node("Conv", [b1, b.weight("wb2", [2, 32, 1, 1])], name: "b2")
        b.output(b.node("Concat", [a2, b2], name: "cat", [("axis", .int(1))]))
        return try b.graph()
    }

    @Test func branchesRunOneAfterTheOther() throws {
        let graph = try Self.branches()
        var options = CompileOptions(precision: .fp32, inPlace: .never)
        let model = try Compiler.compile(graph, options: options)
        let names = model.graph.nodes.map(\.name).filter { ["a1", "a2", "b1", "b2"].contains($0) }
        // Depth first: one wide tensor at a time.
        #expect(names == ["a1", "a2", "b1", "b2"] || names == ["b1", "b2", "a1", "a2"], "order \(names)")
        // By hand (NHWC, no overlap): at b1 live x (1 KiB), a2 (256 B) and b1 (8 KiB):
        // 9,472 B; the interleaved order holds x, a1 and b1 at b1: 17,408 B.
        #expect(model.plan.arenaBytes >= 1024 + 8192 + 256)
        #expect(model.plan.arenaBytes < 1024 + 2 * 8192)
        // The same outputs as the reference, on the host.
        let inputs = randomInputs(graph, seed: 92)
        let ordered = OrderedDictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, inputs[$0.name]!) })
        let outputs = try HostRunner.compileAndRun(model, inputs: ordered, checkMemory: true)
        let expected = try ReferenceInterpreter.run(graph, inputs: inputs)
        for name in graph.outputs {
            let cmp = Comparison(try #require(outputs[name]), try #require(expected[name]))
            #expect(cmp.within(relative: 1e-5), "\(name): \(cmp)")
        }
        options.inPlace = .whenSmaller
        #expect(try Compiler.compile(graph, options: options).plan.arenaBytes <= model.plan.arenaBytes)
    }
}
