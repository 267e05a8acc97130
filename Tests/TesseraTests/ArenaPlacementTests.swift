import Foundation
import Testing
@testable import Tessera

/// A fixed-seed generator (SplitMix64), so every run checks the same problems.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ r: ClosedRange<Int>) -> Int {
        r.lowerBound + Int(next() % UInt64(r.upperBound - r.lowerBound + 1))
    }

    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
}

enum PlacementFixtures {
    typealias Buffer = PlacementProblem.Buffer

    /// A random problem: sizes in alignment units, lifetimes of up to `span` + 1 steps,
    /// overlap rules on pairs (a, b) with b.first == a.last.
    static func random(_ g: inout SplitMix64, count: Int, units: Int, steps: Int, span: Int,
                       alignment: Int, rulePercent: Int = 0, zeroPercent: Int = 0) -> PlacementProblem {
        var buffers: [Buffer] = []
        for _ in 0..<count {
            let bytes = g.chance(zeroPercent) ? 0 : g.int(1...units) * alignment
            let first = g.int(0...steps - 1)
            buffers.append(Buffer(bytes: bytes, first: first, last: first + g.int(0...span)))
        }
        var overlaps: [PlacementProblem.Pair: PlacementProblem.Forbidden] = [:]
        for a in buffers.indices {
            for b in buffers.indices where a != b && buffers[b].first == buffers[a].last
                && buffers[a].bytes > 0 && buffers[b].bytes > 0 && overlaps[.init(b, a)] == nil && g.chance(rulePercent) {
                let lo = -alignment * g.int(0...buffers[b].bytes / alignment)
                let hi = alignment * g.int(0...buffers[a].bytes / alignment)
                overlaps[.init(a, b)] = .init(lo: lo, hi: hi)
            }
        }
        return PlacementProblem(buffers: buffers, overlaps: overlaps, alignment: alignment)
    }

    /// Whether two placed buffers are compatible, written from the definition alone.
    static func compatible(_ p: PlacementProblem, _ i: Int, _ oi: Int, _ j: Int, _ oj: Int) -> Bool {
        let x = p.buffers[i], y = p.buffers[j]
        if x.bytes == 0 || y.bytes == 0 || x.last < y.first || y.last < x.first { return true }
        if let f = p.overlaps[.init(i, j)] { return !(f.lo < oj - oi && oj - oi < f.hi) }
        if let f = p.overlaps[.init(j, i)] { return !(f.lo < oi - oj && oi - oj < f.hi) }
        return oi + x.bytes <= oj || oj + y.bytes <= oi
    }

    /// The optimum by enumeration of every aligned offset in 0 ..< the sum of the sizes
    /// (an arena never needs more than the sum), pruned only by the best arena seen.
    static func bruteForce(_ p: PlacementProblem) -> Int {
        let total = p.buffers.map(\.bytes).reduce(0, +)
        var best = total, offsets = [Int](repeating: 0, count: p.buffers.count)
        func go(_ i: Int, _ arena: Int) {
            if i == p.buffers.count { best = min(best, arena); return }
            if p.buffers[i].bytes == 0 { go(i + 1, arena); return }
            for o in stride(from: 0, to: total, by: p.alignment) where o + p.buffers[i].bytes < best
                && (0..<i).allSatisfy({ compatible(p, $0, offsets[$0], i, o) }) {
                offsets[i] = o
                go(i + 1, max(arena, o + p.buffers[i].bytes))
            }
        }
        go(0, 0)
        return best
    }

    /// The problems of a property test that a placement fails, described (empty: all pass).
    static func failures(_ p: PlacementProblem, _ r: Placement, _ name: String) -> [String] {
        var out = ArenaPlacement.violations(p, r.offsets).map { "\(name): \($0)" }
        if r.arenaBytes != ArenaPlacement.arenaBytes(p, r.offsets) { out.append("\(name): arena \(r.arenaBytes) is not that of its offsets") }
        if r.arenaBytes < ArenaPlacement.lowerBound(p) { out.append("\(name): arena \(r.arenaBytes) below the lower bound \(ArenaPlacement.lowerBound(p))") }
        for (i, b) in p.buffers.enumerated() where b.bytes == 0 && r.offsets[i] != 0 { out.append("\(name): empty buffer \(i) at \(r.offsets[i])") }
        return out
    }

    /// Every strategy and `best` on p: valid, aligned, at or above the bound, `best` the
    /// smallest with ties by strategy order, exact never worse than a heuristic.
    static func check(_ p: PlacementProblem) -> [String] {
        var out: [String] = []
        let runs = PlacementStrategy.allCases.map { ArenaPlacement.place(p, $0) }
        for (s, r) in zip(PlacementStrategy.allCases, runs) {
            out += failures(p, r, s.rawValue)
            if r.strategy != s { out.append("\(s.rawValue): labelled \(r.strategy)") }
        }
        let best = ArenaPlacement.best(p)
        out += failures(p, best, "best")
        let smallest = runs.map(\.arenaBytes).min()!
        if best.arenaBytes != smallest || best.strategy != runs.first(where: { $0.arenaBytes == smallest })!.strategy {
            out.append("best: \(best.strategy) \(best.arenaBytes), the runs \(runs.map(\.arenaBytes))")
        }
        if runs[3].arenaBytes > runs[0..<3].map(\.arenaBytes).min()! { out.append("exact worse than a heuristic") }
        return out.isEmpty ? [] : ["\(p)"] + out
    }
}

@Suite struct ArenaPlacementTests {
    typealias Buffer = PlacementProblem.Buffer
    typealias F = PlacementFixtures

    @Test func everyStrategyIsValidOnRandomProblems() {
        var g = SplitMix64(state: 16)
        var failures: [String] = []
        for k in 0..<2000 where failures.isEmpty {
            let p = F.random(&g, count: g.int(0...(k % 500 == 0 ? 30 : 8)), units: g.int(1...8), steps: g.int(1...10),
                             span: g.int(0...5), alignment: [1, 4, 16][k % 3], zeroPercent: k % 4 == 0 ? 20 : 0)
            failures += F.check(p)
        }
        #expect(failures.isEmpty, "\(failures.prefix(6))")
    }

    @Test func everyStrategyIsValidWithOverlapRules() {
        var g = SplitMix64(state: 1604)
        var failures: [String] = []
        for k in 0..<2000 where failures.isEmpty {
            let p = F.random(&g, count: g.int(1...(k % 500 == 0 ? 30 : 8)), units: g.int(1...6), steps: g.int(1...8),
                             span: g.int(0...4), alignment: [16, 1, 8][k % 3], rulePercent: [30, 60, 100][k % 3],
                             zeroPercent: k % 5 == 0 ? 15 : 0)
            failures += F.check(p)
        }
        #expect(failures.isEmpty, "\(failures.prefix(6))")
    }

    @Test(arguments: [0, 50])
    func exactEqualsTheBruteForceOptimum(rulePercent: Int) {
        var g = SplitMix64(state: 2020 + UInt64(rulePercent))
        var failures: [String] = []
        for k in 0..<600 {
            let p = F.random(&g, count: g.int(1...5), units: 6, steps: g.int(1...4), span: g.int(0...2),
                             alignment: k % 2 == 0 ? 16 : 1, rulePercent: rulePercent)
            let r = ArenaPlacement.place(p, .exact), optimum = F.bruteForce(p)
            if r.arenaBytes != optimum || !r.provedOptimal { failures.append("\(p): exact \(r.arenaBytes), optimum \(optimum)") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(4))")
    }

    @Test func emptyProblem() {
        let p = PlacementProblem(buffers: [])
        #expect(ArenaPlacement.lowerBound(p) == 0)
        for s in PlacementStrategy.allCases {
            let r = ArenaPlacement.place(p, s)
            #expect(r.offsets.isEmpty && r.arenaBytes == 0 && r.provedOptimal)
        }
        #expect(ArenaPlacement.best(p).arenaBytes == 0)
    }

    @Test func singleBuffer() {
        let p = PlacementProblem(buffers: [Buffer(bytes: 48, first: 3, last: 7)])
        for s in PlacementStrategy.allCases {
            #expect(ArenaPlacement.place(p, s) == Placement(offsets: [0], arenaBytes: 48, strategy: s, provedOptimal: true))
        }
    }

    @Test func zeroSizeBuffersSitAtZeroAndConflictWithNothing() {
        let p = PlacementProblem(buffers: [Buffer(bytes: 0, first: 0, last: 4), Buffer(bytes: 32, first: 0, last: 4),
                                           Buffer(bytes: 0, first: 2, last: 2), Buffer(bytes: 16, first: 1, last: 3)])
        for s in PlacementStrategy.allCases {
            let r = ArenaPlacement.place(p, s)
            #expect(r.offsets[0] == 0 && r.offsets[2] == 0 && r.arenaBytes == 48 && F.failures(p, r, s.rawValue).isEmpty)
        }
        let empty = PlacementProblem(buffers: [Buffer(bytes: 0, first: 0, last: 0), Buffer(bytes: 0, first: 0, last: 0)])
        #expect(ArenaPlacement.best(empty) == Placement(offsets: [0, 0], arenaBytes: 0, strategy: .firstFit, provedOptimal: true))
    }

    /// TinyEngine's first-fit compared lifetimes strictly, so buffers with identical
    /// lifetimes (or touching at one step) were placed on top of each other.
    @Test func identicalAndTouchingLifetimesNeverShareBytes() {
        let p = PlacementProblem(buffers: [Buffer(bytes: 32, first: 2, last: 4), Buffer(bytes: 32, first: 2, last: 4),
                                           Buffer(bytes: 16, first: 4, last: 6)])
        for s in PlacementStrategy.allCases {
            let r = ArenaPlacement.place(p, s)
            #expect(F.failures(p, r, s.rawValue).isEmpty && r.arenaBytes == 80, "\(s): \(r)")
        }
    }

    @Test func buffersLiveForTheWholeGraphStack() {
        // Two buffers live at every step, three short ones reusing one region in turn.
        let p = PlacementProblem(buffers: [Buffer(bytes: 64, first: 0, last: 5), Buffer(bytes: 16, first: 0, last: 1),
                                           Buffer(bytes: 32, first: 2, last: 3), Buffer(bytes: 48, first: 4, last: 5),
                                           Buffer(bytes: 16, first: 0, last: 5)])
        #expect(ArenaPlacement.lowerBound(p) == 128)
        for s in PlacementStrategy.allCases {
            let r = ArenaPlacement.place(p, s)
            #expect(F.failures(p, r, s.rawValue).isEmpty)
            #expect(r.offsets[0] + 64 <= r.arenaBytes && r.offsets[4] + 16 <= r.arenaBytes)
        }
        #expect(ArenaPlacement.best(p).arenaBytes == 128)
    }

    @Test func manyBuffersWithIdenticalLifetimesTile() {
        let sizes = (0..<30).map { 16 * (1 + $0 % 7) }
        let p = PlacementProblem(buffers: sizes.map { Buffer(bytes: $0, first: 1, last: 3) })
        for s in PlacementStrategy.allCases {
            let r = ArenaPlacement.place(p, s)
            #expect(F.failures(p, r, s.rawValue).isEmpty && r.arenaBytes == sizes.reduce(0, +) && r.provedOptimal)
        }
    }

    /// A rule with lo >= hi forbids nothing: b may start exactly where a starts. The lower
    /// bound counts such a pair as max(a, b), not a + b.
    @Test func emptyOverlapIntervalLetsBSitOnA() {
        for rule in [PlacementProblem.Forbidden(lo: 0, hi: 0), .init(lo: 16, hi: -16)] {
            let p = PlacementProblem(buffers: [Buffer(bytes: 64, first: 0, last: 1), Buffer(bytes: 64, first: 1, last: 2)],
                                     overlaps: [.init(0, 1): rule])
            #expect(ArenaPlacement.lowerBound(p) == 64)
            for s in PlacementStrategy.allCases {
                let r = ArenaPlacement.place(p, s)
                #expect(r.offsets == [0, 0] && r.arenaBytes == 64 && r.provedOptimal, "\(s): \(r)")
            }
        }
    }

    /// A rule with a negative lower end (lo = -48 for b of 64 bytes): b may start 48 or more
    /// below a, or anywhere from a upwards. The bound is a + c = 112 at step 0.
    @Test func overlapRuleWithANegativeLowerEnd() {
        let p = PlacementProblem(buffers: [Buffer(bytes: 64, first: 0, last: 1), Buffer(bytes: 64, first: 1, last: 2),
                                           Buffer(bytes: 48, first: 0, last: 0)],
                                 overlaps: [.init(0, 1): .init(lo: -48, hi: 0)])
        #expect(F.bruteForce(p) == 112)
        let r = ArenaPlacement.place(p, .exact)
        #expect(r.arenaBytes == 112 && r.provedOptimal && F.failures(p, r, "exact").isEmpty)
    }

    /// First-fit: A at 0, B above it at 16, C conflicts with B (16..<64) and goes to 64: 112.
    /// Greedy by size: B at 0, C above it at 48, A (conflicting with B only) at 48: 96, the bound.
    @Test func greedyBySizeBeatsFirstFit() {
        let p = PlacementProblem(buffers: [Buffer(bytes: 16, first: 0, last: 1), Buffer(bytes: 48, first: 1, last: 2),
                                           Buffer(bytes: 48, first: 2, last: 3)])
        #expect(ArenaPlacement.place(p, .firstFit).offsets == [0, 16, 64])
        #expect(ArenaPlacement.place(p, .firstFit).arenaBytes == 112)
        #expect(ArenaPlacement.place(p, .greedyBySize).offsets == [48, 0, 48])
        #expect(ArenaPlacement.place(p, .greedyBySize).arenaBytes == 96)
        #expect(ArenaPlacement.lowerBound(p) == 96)
        #expect(ArenaPlacement.best(p).strategy == .greedyBySize)
    }

    @Test func exactIsDeterministicAtItsNodeLimit() {
        var g = SplitMix64(state: 40)
        let p = F.random(&g, count: 40, units: 9, steps: 12, span: 5, alignment: 16)
        let a = ArenaPlacement.place(p, .exact), b = ArenaPlacement.place(p, .exact)
        #expect(a == b && F.failures(p, a, "exact").isEmpty)
    }

    @Test func bestOfTwoHundredBuffersTakesMilliseconds() {
        var g = SplitMix64(state: 200)
        let p = F.random(&g, count: 200, units: 64, steps: 120, span: 8, alignment: 16, rulePercent: 10)
        let clock = ContinuousClock()
        var r: Placement?
        let time = clock.measure { r = ArenaPlacement.best(p) }
        print("best of 200 buffers: \(time), arena \(r!.arenaBytes) by \(r!.strategy), bound \(ArenaPlacement.lowerBound(p))")
        #expect(F.failures(p, r!, "best").isEmpty)
        #expect(r!.provedOptimal == (r!.arenaBytes == ArenaPlacement.lowerBound(p)))
        #expect(time < .seconds(2))
    }
}
