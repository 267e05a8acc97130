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
            for node in graph.nodes where !node.op.isView {
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
}
