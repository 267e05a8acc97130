import Testing
@testable import Tessera

/// The segmented placement (ArenaPlacement+Segments): long timelines of short-lived
/// buffers, as the scheduled graphs have, cut where at most one buffer crosses.
@Suite struct ArenaPlacementSegmentTests {
    typealias Buffer = PlacementProblem.Buffer

    /// Blocks of random buffers joined by one buffer each (a block's output, read by the
    /// next block), with random overlap rules between a buffer and one starting where it ends.
    static func blocks(_ g: inout SplitMix64, count: Int, alignment: Int) -> PlacementProblem {
        var buffers: [Buffer] = [], step = 0
        for _ in 0..<count {
            let steps = g.int(2...8)
            for _ in 0..<g.int(3...25) {
                let first = step + g.int(0...(steps - 1))
                buffers.append(Buffer(bytes: g.int(1...12) * alignment, first: first, last: min(step + steps - 1, first + g.int(0...3))))
            }
            // The block's output, live into the next block.
            buffers.append(Buffer(bytes: g.int(1...6) * alignment, first: step + steps - 1, last: step + steps + g.int(0...2)))
            step += steps
        }
        var overlaps: [PlacementProblem.Pair: PlacementProblem.Forbidden] = [:]
        for a in buffers.indices {
            for b in buffers.indices where a != b && buffers[b].first == buffers[a].last && overlaps[.init(b, a)] == nil && g.chance(30) {
                overlaps[.init(a, b)] = .init(lo: -alignment * g.int(0...buffers[b].bytes / alignment), hi: alignment * g.int(0...buffers[a].bytes / alignment))
            }
        }
        return PlacementProblem(buffers: buffers, overlaps: overlaps, alignment: alignment)
    }

    @Test func segmentedPlacementsAreValid() {
        var g = SplitMix64(state: 2026)
        var failures: [String] = [], cut = 0
        for k in 0..<16 where failures.isEmpty {
            let p = Self.blocks(&g, count: g.int(10...24), alignment: [16, 4, 1][k % 3])
            guard let offsets = ArenaPlacement.segmented(p, groupBuffers: g.int(50...90)) else { continue }
            cut += 1
            let r = Placement(offsets: offsets, arenaBytes: ArenaPlacement.arenaBytes(p, offsets), strategy: .segments, provedOptimal: false)
            failures += PlacementFixtures.failures(p, r, "segments")
        }
        #expect(failures.isEmpty, "\(failures.prefix(6))")
        #expect(cut > 10, "only \(cut) of 16 problems were cut into groups")
    }

    /// Hand-worked: three groups joined by one small buffer X, then Y. In the middle group
    /// a 64-byte input A and its depthwise output B may overlap with B 16 bytes below A
    /// (a forward walk); the cut keeps X's offset. The optimum is 96 bytes (X at the
    /// bottom, A and B overlapped above); first fit over the whole timeline needs 160 (A
    /// right above X leaves B no room below it). The greedy join reaches 112 (known gap).
    @Test func groupsJoinAtTheSharedBuffer() {
        var buffers: [Buffer] = []
        // 60 filler buffers of 16 bytes, one per step, so that the timeline is long enough to cut.
        for t in 0..<60 { buffers.append(Buffer(bytes: 16, first: t, last: t)) }
        let x = buffers.count; buffers.append(Buffer(bytes: 16, first: 59, last: 63))
        let a = buffers.count; buffers.append(Buffer(bytes: 64, first: 60, last: 61))
        let b = buffers.count; buffers.append(Buffer(bytes: 64, first: 61, last: 62))
        let y = buffers.count; buffers.append(Buffer(bytes: 16, first: 62, last: 64))
        for t in 64..<124 { buffers.append(Buffer(bytes: 16, first: t, last: t)) }
        let p = PlacementProblem(buffers: buffers, overlaps: [.init(a, b): .init(lo: -16, hi: 64)], alignment: 16)
        let offsets = ArenaPlacement.segmented(p, groupBuffers: 30) ?? []
        let r = Placement(offsets: offsets, arenaBytes: ArenaPlacement.arenaBytes(p, offsets), strategy: .segments, provedOptimal: false)
        #expect(PlacementFixtures.failures(p, r, "segments").isEmpty)
        #expect(ArenaPlacement.place(p, .firstFit).arenaBytes == 160)
        #expect(r.arenaBytes <= 112, "arena \(r.arenaBytes), offsets of X A B Y \([x, a, b, y].map { r.offsets[$0] })")
        #expect(ArenaPlacement.lowerBound(p) == 96)
    }
}
