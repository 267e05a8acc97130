/// The arena placement problem, independent of graphs: buffers with sizes and inclusive
/// lifetimes [first, last] (in steps), and offsets to choose so that buffers whose
/// lifetimes intersect never share a byte, except where an overlap rule allows it;
/// minimise the arena (the largest offset + bytes).
///
/// An overlap rule relaxes the constraint of one pair (a, b) of buffers live together:
/// normally delta = offset[b] - offset[a] must lie outside the open interval
/// (-bytes[b], bytes[a]) (disjoint); with a rule it must lie outside (lo, hi), a narrower
/// interval (lo >= -bytes[b], hi <= bytes[a]; empty when lo >= hi). A layer's output b may
/// so start below its input a by at least -lo bytes (a kernel walking forwards), or above
/// it by at least hi bytes (walking backwards). See OverlapRules.swift.
public struct PlacementProblem: Sendable, Equatable {
    public struct Buffer: Sendable, Equatable {
        /// A multiple of the alignment (the caller rounds up).
        public var bytes: Int
        public var first: Int
        public var last: Int

        public init(bytes: Int, first: Int, last: Int) {
            self.bytes = bytes
            self.first = first
            self.last = last
        }
    }

    /// An ordered pair of buffer indices (a: the input, b: the output written over it).
    public struct Pair: Hashable, Sendable {
        public var a: Int
        public var b: Int

        public init(_ a: Int, _ b: Int) {
            self.a = a
            self.b = b
        }
    }

    /// The open interval of forbidden deltas offset[b] - offset[a]. lo and hi are
    /// multiples of the alignment.
    public struct Forbidden: Hashable, Sendable {
        public var lo: Int
        public var hi: Int

        public init(lo: Int, hi: Int) {
            self.lo = lo
            self.hi = hi
        }
    }

    public var buffers: [Buffer]
    public var overlaps: [Pair: Forbidden]
    public var alignment: Int

    public init(buffers: [Buffer], overlaps: [Pair: Forbidden] = [:], alignment: Int = 16) {
        self.buffers = buffers
        self.overlaps = overlaps
        self.alignment = alignment
    }

    /// Whether the lifetimes of buffers i and j intersect (inclusive bounds).
    public func conflict(_ i: Int, _ j: Int) -> Bool {
        buffers[i].first <= buffers[j].last && buffers[j].first <= buffers[i].last
    }

    /// The forbidden interval of offset[j] - offset[i] for two buffers live together.
    public func forbidden(_ i: Int, _ j: Int) -> Forbidden {
        if let f = overlaps[Pair(i, j)] { return f }
        if let f = overlaps[Pair(j, i)] { return Forbidden(lo: -f.hi, hi: -f.lo) }
        return Forbidden(lo: -buffers[j].bytes, hi: buffers[i].bytes)
    }
}

/// Which algorithm placed the buffers.
public enum PlacementStrategy: String, Sendable, CaseIterable {
    /// In order of first use, each at the lowest offset that fits.
    case firstFit = "first-fit"
    /// Largest first, each in the smallest gap that fits (Pisarchyk and Lee 2020).
    case greedyBySize = "greedy-by-size"
    /// Step with the most live bytes first, its largest buffer at the lowest fitting offset (Glow).
    case greedyByBreadth = "greedy-by-breadth"
    /// Branch and bound over placement orders, the lower bound as cut-off, within limits.
    case exact = "branch-and-bound"
    /// In order of first use, each where it grows the extent least, the highest such
    /// offset (chains of overlapped layers; ArenaPlacement+Chain.swift).
    case chain = "chain"
    /// The timeline cut where at most one buffer crosses, each piece placed by the best
    /// strategy for it (ArenaPlacement+Segments.swift).
    case segments = "segments"
}

public struct Placement: Sendable, Equatable {
    public var offsets: [Int]
    public var arenaBytes: Int
    public var strategy: PlacementStrategy
    /// The exact search finished within its limits (or the arena equals the lower bound).
    public var provedOptimal: Bool
}

public enum ArenaPlacement {
    /// The exact search runs only up to this many buffers of non-zero size.
    public static let exactBufferLimit = 40
    /// The exact search stops after placing this many buffers in total (its branches).
    public static let exactNodeLimit = 200_000
    /// Above this many buffers only the chain placement runs (ArenaPlacement+Chain.swift).
    public static let largeProblem = 4_000
    /// Above this many buffers the segmented placement does not run either (a chain of
    /// 20,000 layers must compile in seconds: ScalingTests).
    public static let segmentedLimit = 6_000

    /// No placement can use fewer bytes: the largest total live at any step, where each
    /// overlap pair live at a step counts only the smallest union its rule allows.
    public static func lowerBound(_ p: PlacementProblem) -> Int { stepBounds(p).max() ?? 0 }

    /// The bound at every step: the bytes live there, less what the overlap pairs live
    /// there save at best, and never below the largest buffer live there.
    public static func stepBounds(_ p: PlacementProblem) -> [Int] {
        let steps = (p.buffers.map(\.last).max() ?? -1) + 1
        guard steps > 0 else { return [] }
        var change = [Int](repeating: 0, count: steps + 1)
        var largest = [Int](repeating: 0, count: steps)
        for b in p.buffers where b.bytes > 0 {
            change[b.first] += b.bytes
            change[b.last + 1] -= b.bytes
            for t in b.first...b.last { largest[t] = max(largest[t], b.bytes) }
        }
        var saving = [Int](repeating: 0, count: steps)
        for (pair, f) in p.overlaps where p.conflict(pair.a, pair.b) {
            let a = p.buffers[pair.a].bytes, b = p.buffers[pair.b].bytes
            guard a > 0, b > 0 else { continue }
            let union = smallestUnion(a, b, f)
            let from = max(p.buffers[pair.a].first, p.buffers[pair.b].first)
            let to = min(p.buffers[pair.a].last, p.buffers[pair.b].last)
            for t in from...to { saving[t] += a + b - union }
        }
        var live = 0, bounds = [Int](repeating: 0, count: steps)
        for t in 0..<steps {
            live += change[t]
            bounds[t] = max(live - saving[t], largest[t])
        }
        return bounds
    }

    /// The smallest extent of a (at 0) and b (at d) over the deltas d the rule allows. The
    /// extent is convex in d, so the ends of the forbidden interval and the unconstrained
    /// minima (0 and a - b) are the only candidates. An empty interval allows max(a, b).
    static func smallestUnion(_ a: Int, _ b: Int, _ f: PlacementProblem.Forbidden) -> Int {
        var best = a + b
        for d in [f.lo, f.hi, 0, a - b] where !(d > f.lo && d < f.hi) {
            best = min(best, max(a, d + b) - min(0, d))
        }
        return best
    }

    /// The violations of `offsets` (empty when the placement is valid): misaligned or
    /// negative offsets, and pairs live together whose delta is forbidden.
    public static func violations(_ p: PlacementProblem, _ offsets: [Int]) -> [String] {
        guard offsets.count == p.buffers.count else {
            return ["\(offsets.count) offsets for \(p.buffers.count) buffers"]
        }
        var out: [String] = []
        for (i, o) in offsets.enumerated() where o < 0 || o % p.alignment != 0 {
            out.append("buffer \(i): offset \(o) is not a non-negative multiple of \(p.alignment)")
        }
        for i in p.buffers.indices where p.buffers[i].bytes > 0 {
            for j in (i + 1)..<p.buffers.count where p.buffers[j].bytes > 0 && p.conflict(i, j) {
                let f = p.forbidden(i, j), d = offsets[j] - offsets[i]
                if d > f.lo && d < f.hi { out.append("buffers \(i) and \(j): delta \(d) lies in the forbidden (\(f.lo), \(f.hi))") }
            }
        }
        return out
    }

    /// The arena the offsets need: the largest offset + bytes (buffers of 0 bytes count nothing).
    public static func arenaBytes(_ p: PlacementProblem, _ offsets: [Int]) -> Int {
        zip(p.buffers, offsets).map { $0.bytes > 0 ? $1 + $0.bytes : 0 }.max() ?? 0
    }

    /// Places with `strategy`. Buffers of 0 bytes get offset 0.
    public static func place(_ p: PlacementProblem, _ strategy: PlacementStrategy) -> Placement {
        let offsets: [Int]
        switch strategy {
        case .firstFit: offsets = firstFit(p)
        case .greedyBySize: offsets = greedyBySize(p)
        case .greedyByBreadth: offsets = greedyByBreadth(p)
        case .chain: offsets = chainPlacement(p)
        case .segments: offsets = segmented(p) ?? firstFit(p)
        case .exact: return exact(p, incumbent: bestHeuristic(p))
        }
        let arena = arenaBytes(p, offsets)
        return Placement(offsets: offsets, arenaBytes: arena, strategy: strategy,
                         provedOptimal: arena == lowerBound(p))
    }

    /// Runs every strategy and keeps the smallest arena (ties: the first in
    /// `PlacementStrategy.allCases`). `provedOptimal` is true when the exact search proved
    /// the kept arena optimal, whichever strategy found it.
    /// `exactSearch` false skips the exact search (the schedule search ranks candidates so).
    public static func best(_ p: PlacementProblem, segments: Bool = true, exactSearch: Bool = true) -> Placement {
        // A long timeline (a scheduled graph): also placed piece by piece (ArenaPlacement+Segments).
        let pieces = segments && p.buffers.count <= segmentedLimit ? segmented(p).map { offsets in
            Placement(offsets: offsets, arenaBytes: arenaBytes(p, offsets), strategy: .segments, provedOptimal: false)
        } : nil
        // A large graph (a long chain, say): the chain placement, linear in its size; the
        // other strategies compare every pair.
        if p.buffers.count > largeProblem { return smallest([place(p, .chain)] + (pieces.map { [$0] } ?? [])) }
        let heuristics = PlacementStrategy.allCases.filter { $0 != .exact && $0 != .segments }.map { place(p, $0) }
        let search = exactSearch ? exact(p, incumbent: smallest(heuristics)) : nil
        let runs = PlacementStrategy.allCases.compactMap { s in
            s == .exact ? search : s == .segments ? pieces : heuristics.first { $0.strategy == s }!
        }
        var kept = smallest(runs)
        kept.provedOptimal = runs.contains { $0.provedOptimal && $0.arenaBytes == kept.arenaBytes }
        return kept
    }

    /// The heuristic placement with the smallest arena (ties: `allCases` order).
    static func bestHeuristic(_ p: PlacementProblem) -> Placement {
        smallest(PlacementStrategy.allCases.filter { $0 != .exact && $0 != .segments }.map { place(p, $0) })
    }

    static func smallest(_ runs: [Placement]) -> Placement {
        runs.dropFirst().reduce(runs[0]) { $1.arenaBytes < $0.arenaBytes ? $1 : $0 }
    }

    /// The aligned deltas strictly inside the forbidden interval f, as a closed range
    /// [lo, hi] of multiples of `alignment`; nil when no aligned delta is forbidden.
    static func excluded(_ f: PlacementProblem.Forbidden, _ alignment: Int) -> (lo: Int, hi: Int)? {
        let lo = floorDiv(f.lo, alignment) * alignment + alignment
        let hi = -floorDiv(-f.hi, alignment) * alignment - alignment
        return lo <= hi ? (lo, hi) : nil
    }

    static func floorDiv(_ x: Int, _ d: Int) -> Int {
        x >= 0 ? x / d : -((-x + d - 1) / d)
    }
}
