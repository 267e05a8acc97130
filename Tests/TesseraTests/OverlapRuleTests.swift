import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// Each overlap rule on its own (OverlapRules), on the host's loop-nest kernels: a model
/// whose peak is one layer reading a tensor that dies there, compiled with every rule
/// offered and 4-byte arena alignment, so that the planner puts the layer's output at the
/// rule's distance from its input. At that distance the run gives the same bits as the
/// model compiled with every output disjoint; one element closer (a planted bug in the
/// rule) it does not: the rule is safe, tight, and the check can fail.
@Suite struct OverlapRuleTests {
    /// (family, the layer's node, a hand-worked distance in bytes when the trace is simple:
    /// input start minus output start for a forward walk).
    nonisolated(unsafe) static let families: [(String, (inout ModelBuilder, String) -> String, Int?)] = [
        // Depthwise 3x3, pads 1, on 6x7x8: pixel p written before its window is read; the
        // window of the next pixels starts (W + 1) pixels back: (7 + 2) * 8 floats.
        ("depthwise 3x3", { b, x in b.node("Conv", [x, b.weight("w", [8, 1, 3, 3]), b.weight("b", [8])], name: "layer",
                                          [("group", .int(8)), ("pads", ints([1, 1, 1, 1]))]) }, (7 + 2) * 8 * 4),
        ("depthwise 3x3 stride 2", { b, x in b.node("Conv", [x, b.weight("w", [8, 1, 3, 3])], name: "layer",
                                                   [("group", .int(8)), ("strides", ints([2, 2])), ("pads", ints([1, 1, 1, 1]))]) }, nil),
        ("conv 3x3", { b, x in b.node("Conv", [x, b.weight("w", [8, 8, 3, 3]), b.weight("b", [8])], name: "layer",
                                     [("pads", ints([1, 1, 1, 1]))]) }, nil),
        ("conv 3x3 stride 2, fewer channels", { b, x in b.node("Conv", [x, b.weight("w", [5, 8, 3, 3])], name: "layer",
                                                              [("strides", ints([2, 2])), ("pads", ints([0, 0, 1, 1]))]) }, nil),
        ("conv 1x1", { b, x in b.node("Conv", [x, b.weight("w", [8, 8, 1, 1])], name: "layer") }, nil),
        ("max pool 3x3", { b, x in b.node("MaxPool", [x], name: "layer", [("kernel_shape", ints([3, 3])), ("pads", ints([1, 1, 1, 1]))]) }, nil),
        ("average pool 2x2 stride 2", { b, x in b.node("AveragePool", [x], name: "layer",
                                                      [("kernel_shape", ints([2, 2])), ("strides", ints([2, 2]))]) }, nil),
        // Elementwise: read element i, then write it: in place exactly.
        ("activation", { b, x in b.node("Tanh", [x], name: "layer") }, 0),
        ("binary", { b, x in b.node("Add", [x, b.weight("c", [1, 8, 1, 1])], name: "layer") }, 0),
    ]

    /// x -> Sigmoid (an arena tensor) -> the layer -> Mul(y, y): the layer's input dies at
    /// the layer, whose input and output are the peak.
    static func model(_ family: (inout ModelBuilder, String) -> String) throws -> Graph {
        var b = ModelBuilder("overlap", seed: 71)
        let x = b.node("Sigmoid", [b.input("x", [1, 8, 6, 7])], name: "first")
        let y = family(&b, x)
        b.output(b.node("Mul", [y, y], name: "last"))
        return try b.graph()
    }

    static func run(_ graph: Graph, _ policy: InPlacePolicy, slack: Int = 0) throws -> (CompiledModel, OrderedDictionary<String, TensorValue>) {
        var options = CompileOptions(precision: .fp32, inPlace: policy)
        options.arenaAlignment = 4
        options.overlapSlack = slack
        let model = try Compiler.compile(graph, options: options)
        let inputs = randomInputs(graph, seed: 72)
        let ordered = OrderedDictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, inputs[$0.name]!) })
        return (model, try HostRunner.compileAndRun(model, inputs: ordered))
    }

    @Test(arguments: families.indices)
    func ruleIsSafeAndTight(_ i: Int) throws {
        let (name, family, distance) = Self.families[i]
        let graph = try Self.model(family)
        let (disjoint, expected) = try Self.run(graph, .never)
        let (overlapped, outputs) = try Self.run(graph, .always)
        let t = try #require(overlapped.graph.nodes.firstIndex { $0.name == "layer" })
        let node = overlapped.graph.nodes[t]
        #expect(disjoint.plan.walks.isEmpty)
        #expect(overlapped.plan.walks[t] == .forward, "\(name): the output is not over its input")
        guard case let .arena(input)? = overlapped.plan.locations[node.inputs[0]],
              case let .arena(output)? = overlapped.plan.locations[node.outputs[0]] else {
            Issue.record("\(name): not in the arena")
            return
        }
        if let distance { #expect(input - output == distance, "\(name): distance") }
        #expect(overlapped.plan.arenaBytes < disjoint.plan.arenaBytes, "\(name)")
        try EmulatedOverlapTests.expectSameBits(outputs, expected, "\(name), overlapped at \(input - output) bytes")

        // One element closer: the kernel overwrites input it has yet to read.
        let (closer, wrong) = try Self.run(graph, .always, slack: 4)
        guard case let .arena(i2)? = closer.plan.locations[node.inputs[0]],
              case let .arena(o2)? = closer.plan.locations[node.outputs[0]] else { return }
        #expect(i2 - o2 == input - output - 4, "\(name): the planted rule does not move the output closer")
        let differ = zip(wrong["last_out"]!.data, expected["last_out"]!.data).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differ > 0, "\(name): one element closer than the rule, the output is still right: the rule is not tight")
    }
}
