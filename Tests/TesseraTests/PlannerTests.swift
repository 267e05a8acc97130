import Foundation
import Testing
@testable import Tessera

/// Invariants of the memory plan, not golden offsets: live buffers never overlap,
/// alignment holds, the arena is at least the lower bound, no layer writes over its inputs.
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
                    #expect(disjoint, "\(name): \(a.tensors) and \(b.tensors) are live together but overlap")
                }
            }
            #expect(plan.arenaBytes >= plan.lowerBoundBytes)
            #expect(plan.arenaBytes <= plan.buffers.map(\.bytes).reduce(0, +))
        }
    }

    @Test func noLayerWritesOverItsInputs() throws {
        for (name, graph) in try Self.graphs {
            let plan = try MemoryPlanner.plan(graph)
            for (t, node) in graph.nodes.enumerated() where !node.op.isView && plan.variants[t] != .depthwiseInPlace {
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
        // conv1's output (2 KiB) dies at relu1: pool1's output reuses its space.
        #expect(plan.locations["pool1_out"] == plan.locations["conv1_out"])
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

    @Test func depthwiseRunsInPlaceWhereThatLowersTheArena() throws {
        let c = 24, bytes = 12 * 12 * c * 4
        let graph = try Pipeline.run(try Self.depthwiseChain(c, wideFirst: false))
        let dw = try #require(graph.nodes.firstIndex { $0.name == "dw" })
        let plan = try MemoryPlanner.plan(graph)
        let never = try MemoryPlanner.plan(graph, inPlace: .never)
        #expect(plan.variants[dw] == .depthwiseInPlace)
        #expect(never.variants[dw] != .depthwiseInPlace)
        // The output takes its input's storage; the scratch is one block of 8 channels.
        #expect(plan.locations[graph.nodes[dw].outputs[0]] == plan.locations[graph.nodes[dw].inputs[0]])
        #expect(plan.scratch[dw]?.bytes == 12 * 12 * 8 * 4)
        // The arena saves the output buffer less the scratch.
        #expect(never.arenaBytes - plan.arenaBytes == bytes - 12 * 12 * 8 * 4)
        // The baseline keeps the loop nests and a separate output.
        #expect(try MemoryPlanner.plan(graph, kernels: .baseline).variants[dw] != .depthwiseInPlace)
        // Where the peak is elsewhere, in place would only cost time.
        let wide = try Pipeline.run(try Self.depthwiseChain(c, wideFirst: true))
        let wideDW = try #require(wide.nodes.firstIndex { $0.name == "dw" })
        #expect(try MemoryPlanner.plan(wide).variants[wideDW] != .depthwiseInPlace)
        #expect(try MemoryPlanner.plan(wide, inPlace: .always).variants[wideDW] == .depthwiseInPlace)
        // Eight channels or fewer: the scratch would be the whole output.
        let narrow = try Pipeline.run(try Self.depthwiseChain(8, wideFirst: false))
        #expect(try MemoryPlanner.plan(narrow, inPlace: .always).variants.allSatisfy { $0 != .depthwiseInPlace })
    }
}
