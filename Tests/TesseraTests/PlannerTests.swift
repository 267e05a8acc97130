import Foundation
import Testing
@testable import Tessera

/// Invariants of the memory plan, not golden offsets: live buffers never overlap except a
/// layer's output over an input that dies there (an overlap the plan records with the walk
/// its kernel takes), alignment holds, the arena is at least the lower bound.
@Suite struct PlannerTests {
    static var graphs: [(String, Graph)] {
        get throws {
            var out = try SyntheticModels.names.map { ($0, try SyntheticModels.named($0).graph()) }
            out.append(("digits_cnn", try FrontEnd.load(path: TestEnvironment.repositoryRoot.path + "/Examples/digits_cnn.json")))
            return out
        }
    }

    @Test func liveBuffersNeverOverlap() throws {
        for (name, graph) in try Self.graphs {
            let plan = try MemoryPlanner.plan(graph)
            for (i, a) in plan.buffers.enumerated() {
                #expect(a.offset % plan.alignment == 0, "\(name): \(a.tensors) misaligned")
                #expect(a.offset + a.bytes <= plan.arenaBytes)
                for b in plan.buffers[(i + 1)...] where a.first <= b.last && b.first <= a.last {
                    let disjoint = a.offset + a.bytes <= b.offset || b.offset + b.bytes <= a.offset
                    // Allowed: an input dying at node t under the output node t writes.
                    let overlap = (a.last == b.first && plan.walks[b.first] != nil) || (b.last == a.first && plan.walks[a.first] != nil)
                    #expect(disjoint || overlap, "\(name): \(a.tensors) and \(b.tensors) are live together but overlap")
                }
            }
            #expect(plan.arenaBytes >= plan.lowerBoundBytes)
            #expect(plan.arenaBytes <= plan.buffers.map(\.bytes).reduce(0, +))
        }
    }

    /// Except where the plan overlaps them (walks) or the convolution adds into its
    /// residual operand's storage.
    @Test func noLayerWritesOverItsInputs() throws {
        for (name, graph) in try Self.graphs {
            let plan = try MemoryPlanner.plan(graph)
            for (t, node) in graph.nodes.enumerated() where !node.op.isView && plan.walks[t] == nil && node.input(Op.residualInput) == nil {
                guard case let .arena(out)? = plan.locations[node.outputs[0]] else { continue }
                let outBytes = try graph.type(of: node.outputs[0]).byteCount
                for input in node.inputs where !input.isEmpty {
                    guard case let .arena(inOffset)? = plan.locations[input] else { continue }
                    let inBytes = try graph.type(of: input).byteCount
                    #expect(out + outBytes <= inOffset || inOffset + inBytes <= out, "\(name): \(node.name) overwrites \(input)")
                }
            }
        }
    }

    @Test func buffersAreReusedAndViewsAlias() throws {
        let graph = try FrontEnd.load(path: TestEnvironment.repositoryRoot.path + "/Examples/digits_cnn.json")
        let plan = try MemoryPlanner.plan(graph)
        // Buffers whose lifetimes do not intersect share bytes.
        #expect(plan.arenaBytes < plan.buffers.map(\.bytes).reduce(0, +))
        // Flatten shares pool2's storage.
        #expect(plan.locations["flat"] == plan.locations["pool2_out"])
        #expect(plan.weightsBytes >= 1898 * 4)
    }

    /// x (3 channels) -> 1x1 conv to c channels -> depthwise 3x3 (pads 1) -> 1x1 conv back
    /// to 3 channels (MobileNet's inverted residual, without the residual): the depthwise
    /// layer's input and output are the peak. wideFirst: a 4c-channel layer before it sets
    /// the peak elsewhere.
    static func depthwiseChain(_ c: Int, wideFirst: Bool) throws -> Graph {
        var b = ModelBuilder("chain", seed: 5)
        var x = b.input("x", [1, 3, 12, 12])
        if wideFirst { x = b.node("Conv", [x, b.weight("w0", [4 * c, 3, 1, 1])], name: "wide") }
        x = b.node("Conv", [x, b.weight("w1", [c, wideFirst ? 4 * c : 3, 1, 1])], name: "expand")
        let y = b.node("Conv", [x, b.weight("w", [c, 1, 3, 3]), b.weight("b", [c])], name: "dw", [("group", .int(c)), ("pads", ints([1, 1, 1, 1]))])
        b.output(b.node("Conv", [y, b.weight("w2", [3, c, 1, 1])], name: "project"))
        return try b.graph()
    }

    @Test func depthwiseOutputOverlapsItsInputWhereThatLowersTheArena() throws {
        // expand (c channels) -> dw 3x3 pads 1 -> project: the depthwise layer's input and
        // output are the peak. Its loop nest writes pixel p after reading the windows of
        // pixels before it: the output may start (12 + 2) pixels below the input.
        let c = 24, bytes = 12 * 12 * c * 4
        let graph = try Pipeline.run(try Self.depthwiseChain(c, wideFirst: false))
        let dw = try #require(graph.nodes.firstIndex { $0.name == "dw" })
        let plan = try MemoryPlanner.plan(graph)
        let never = try MemoryPlanner.plan(graph, inPlace: .never)
        #expect(plan.walks[dw] == .forward)
        #expect(never.walks.isEmpty)
        guard case let .arena(input)? = plan.locations[graph.nodes[dw].inputs[0]],
              case let .arena(output)? = plan.locations[graph.nodes[dw].outputs[0]] else { Issue.record("not in the arena"); return }
        #expect(input - output == (12 + 2) * c * 4)
        #expect(plan.arenaBytes <= bytes + (12 + 2) * c * 4 + 64)
        #expect(never.arenaBytes == 2 * bytes)
        // Where the peak is elsewhere, no overlap (auto) unless asked (always).
        let wide = try Pipeline.run(try Self.depthwiseChain(c, wideFirst: true))
        let wideDW = try #require(wide.nodes.firstIndex { $0.name == "dw" })
        #expect(try MemoryPlanner.plan(wide).walks[wideDW] == nil)
    }
}
