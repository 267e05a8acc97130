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

    /// x -> Sigmoid (an arena tensor) -> the layer -> Mul(y, y).
    static func model(_ family: (inout ModelBuilder, String) -> String) throws -> Graph {
        var b = ModelBuilder("overlap", seed: 71)
        let x = b.node("Sigmoid", [b.input("x", [1, 8, 6, 7])], name: "first")
        let y = family(&b, x)
        b.output(b.node("Mul", [y, y], name: "last"))
        return try b.graph()
    }

    /// The model compiled with every output disjoint (4-byte alignment), then, with
    /// `closer` >= 0, the layer's output moved to `distance - closer` bytes below its
    /// input (both above every other buffer, so nothing else moves): the placement the
    /// rule allows, or a planted one closer than it.
    static func compile(_ graph: Graph, closer: Int?) throws -> (CompiledModel, distance: Int) {
        var options = CompileOptions(precision: .fp32, inPlace: .never)
        options.arenaAlignment = 4
        let plain = try Compiler.compile(graph, options: options)
        let t = try #require(plain.graph.nodes.firstIndex { $0.name == "layer" })
        let node = plain.graph.nodes[t]
        let spec = try NodeSpec.of(node, in: plain.graph)
        let d = try #require(OverlapRules.distances(node, spec, variant: plain.plan.variants[t], simd: "none", input: 0,
                                                     inElement: 4, outElement: 4, in: plain.graph), "no rule")
        let a = try #require(plain.plan.buffers.firstIndex { $0.tensors.contains(node.inputs[0]) })
        let b = try #require(plain.plan.buffers.firstIndex { $0.tensors.contains(node.outputs[0]) })
        let f = OverlapRules.forbidden(d, inBytes: plain.plan.buffers[a].bytes, outBytes: plain.plan.buffers[b].bytes, alignment: 4)
        let distance = -f.lo
        guard let closer else { return (plain, distance) }
        options.planEdit = { plan in
            let base = plan.arenaBytes
            plan.buffers[b].offset = base
            plan.buffers[a].offset = base + distance - closer
            plan.arenaBytes = base + max(distance - closer + plan.buffers[a].bytes, plan.buffers[b].bytes)
            for i in [a, b] { for name in plan.buffers[i].tensors { plan.locations[name] = .arena(plan.buffers[i].offset) } }
            plan.walks[t] = .forward
        }
        return (try Compiler.compile(graph, options: options), distance)
    }

    static func run(_ model: CompiledModel, _ graph: Graph, check: Bool = false) throws -> OrderedDictionary<String, TensorValue> {
        let inputs = randomInputs(graph, seed: 72)
        let ordered = OrderedDictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, inputs[$0.name]!) })
        return try HostRunner.compileAndRun(model, inputs: ordered, checkMemory: check)
    }

    @Test(arguments: families.indices)
    func ruleIsSafeAndTight(_ i: Int) throws {
        let (name, family, handWorked) = Self.families[i]
        let graph = try Self.model(family)
        let (plain, distance) = try Self.compile(graph, closer: nil)
        if let handWorked { #expect(distance == handWorked, "\(name): distance") }
        let expected = try Self.run(plain, graph)
        // At the rule's distance: the same bits, and the checking mode passes.
        let (atRule, _) = try Self.compile(graph, closer: 0)
        try EmulatedOverlapTests.expectSameBits(try Self.run(atRule, graph, check: true), expected, "\(name), output \(distance) B below its input")
        // One element closer: the kernel overwrites input it has yet to read.
        let (planted, _) = try Self.compile(graph, closer: 4)
        let wrong = try Self.run(planted, graph)
        let differ = zip(wrong["last_out"]!.data, expected["last_out"]!.data).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differ > 0, "\(name): one element closer than the rule, the output is still right: the rule is not tight")
        #expect(throws: (any Error).self, "\(name): the checking mode misses the planted overlap") { try Self.run(planted, graph, check: true) }
    }

    /// `graph` compiled with `options`, then every layer `pin` selects whose input dies
    /// there given its output at its rule's distance below that input (each pair above the
    /// arena and the pairs before it, so nothing else moves; a buffer in two pairs is pinned
    /// once): each rule exercised whatever the placement would choose.
    static func pinned(_ graph: Graph, _ options: CompileOptions, _ pin: @escaping (Node) -> Bool) throws -> CompiledModel {
        let plain = try Compiler.compile(graph, options: options)
        let simd = plain.target.kernelSIMD
        var moves: [(a: Int, b: Int, t: Int, distance: Int)] = []
        var used = Set<Int>()
        for (t, node) in plain.graph.nodes.enumerated() where pin(node) {
            guard let a = plain.plan.buffers.firstIndex(where: { $0.tensors.contains(node.inputs[0]) }),
                  let b = plain.plan.buffers.firstIndex(where: { $0.tensors.first == node.outputs[0] }),
                  plain.plan.buffers[a].last == t, !used.contains(a), !used.contains(b),
                  let inType = plain.graph.types[node.inputs[0]], let outType = plain.graph.types[node.outputs[0]],
                  let d = OverlapRules.distances(node, try NodeSpec.of(node, in: plain.graph), variant: plain.plan.variants[t], simd: simd,
                                                 input: 0, inElement: inType.dtype.byteSize, outElement: outType.dtype.byteSize, in: plain.graph)
            else { continue }
            let f = OverlapRules.forbidden(d, inBytes: plain.plan.buffers[a].bytes, outBytes: plain.plan.buffers[b].bytes, alignment: plain.plan.alignment)
            moves.append((a, b, t, -f.lo))
            used.formUnion([a, b])
        }
        var edited = options
        let pairs = moves
        edited.planEdit = { plan in
            var base = plan.arenaBytes
            for m in pairs {
                plan.buffers[m.b].offset = base
                plan.buffers[m.a].offset = base + m.distance
                for i in [m.a, m.b] { for name in plan.buffers[i].tensors { plan.locations[name] = .arena(plan.buffers[i].offset) } }
                plan.walks[m.t] = .forward
                base += MemoryPlanner.roundUp(max(m.distance + plan.buffers[m.a].bytes, plan.buffers[m.b].bytes), plan.alignment)
            }
            plan.arenaBytes = base
        }
        return try Compiler.compile(graph, options: edited)
    }
}
