/// The placement of a long timeline cut into pieces: scheduled graphs (patches, row
/// bands) have thousands of short-lived buffers, where one greedy order for the whole
/// graph serves some parts and not others, and the exact search cannot run.
///
/// A step boundary where at most one buffer is live on both sides (a stage output, a
/// block's output between two layer-by-layer blocks) separates the problem: buffers
/// entirely before it never conflict with those entirely after it. The timeline is cut
/// at such boundaries into groups of at most `segmentBuffers` buffers; each group is
/// placed on its own by `best` (every strategy, the exact search in small groups), and
/// the groups are joined by shifting each so that the buffer it shares with the groups
/// before it keeps the offset they gave it. Finally everything is moved up so that the
/// lowest offset is 0.
extension ArenaPlacement {
    /// Groups hold at most this many buffers (one alone may be larger: no cut inside it).
    public static let segmentBuffers = 300

    static func segmented(_ p: PlacementProblem, groupBuffers: Int = segmentBuffers) -> [Int]? {
        let sized = p.buffers.indices.filter { p.buffers[$0].bytes > 0 }
        let steps = (sized.map { p.buffers[$0].last }.max() ?? -1) + 1
        guard sized.count > min(2 * exactBufferLimit, groupBuffers), steps > 1 else { return nil }
        // crossing[c]: buffers live at step c - 1 and at c.
        var crossing = [Int](repeating: 0, count: steps + 1)
        for i in sized where p.buffers[i].last > p.buffers[i].first {
            crossing[p.buffers[i].first + 1] += 1
            crossing[p.buffers[i].last + 1] -= 1
        }
        var cuts: [Int] = [0]
        var running = 0
        for c in 1..<steps {
            running += crossing[c]
            if running <= 1 { cuts.append(c) }
        }
        cuts.append(steps)
        // Buffers first used in each piece between consecutive cuts, then pieces merged
        // into groups of at most segmentBuffers.
        var startsIn = [Int](repeating: 0, count: cuts.count - 1)
        var piece = [Int](repeating: 0, count: steps)
        for k in 0..<(cuts.count - 1) { for t in cuts[k]..<cuts[k + 1] { piece[t] = k } }
        for i in sized { startsIn[piece[p.buffers[i].first]] += 1 }
        var groups: [Range<Int>] = []  // step ranges
        var from = 0, count = 0
        for k in 0..<(cuts.count - 1) {
            if count > 0 && count + startsIn[k] > groupBuffers {
                groups.append(from..<cuts[k])
                from = cuts[k]
                count = 0
            }
            count += startsIn[k]
        }
        groups.append(from..<steps)
        guard groups.count > 1 else { return nil }

        var offsets = [Int](repeating: 0, count: p.buffers.count)
        var placed = [Bool](repeating: false, count: p.buffers.count)
        var extent: (low: Int, high: Int)?
        for steps in groups {
            let members = sized.filter { p.buffers[$0].first < steps.upperBound && p.buffers[$0].last >= steps.lowerBound }
            guard !members.isEmpty else { continue }
            var local: [Int: Int] = [:]
            for (k, i) in members.enumerated() { local[i] = k }
            let buffers = members.map { i in
                PlacementProblem.Buffer(bytes: p.buffers[i].bytes, first: max(p.buffers[i].first, steps.lowerBound) - steps.lowerBound,
                                        last: min(p.buffers[i].last, steps.upperBound - 1) - steps.lowerBound)
            }
            var overlaps: [PlacementProblem.Pair: PlacementProblem.Forbidden] = [:]
            for (pair, f) in p.overlaps {
                if let a = local[pair.a], let b = local[pair.b] { overlaps[.init(a, b)] = f }
            }
            // Candidates, kept by the extent of everything placed so far with them: the
            // group's best placement with and without the overlap rules (the one without
            // is valid with them too; overlapped layers can push a greedy order into a
            // worse layout), shifted so that the buffer an earlier group placed (at most
            // one crosses the cut) keeps its offset; and first fit in order of first use
            // around that buffer, from the bottom of the arena so far.
            let problem = PlacementProblem(buffers: buffers, overlaps: overlaps, alignment: p.alignment)
            var plain = problem
            plain.overlaps = [:]
            let pinned = members.firstIndex { placed[$0] }
            let outgoing = members.firstIndex { p.buffers[$0].last >= steps.upperBound }
            var candidates: [[Int]] = []
            for q in overlaps.isEmpty ? [problem] : [problem, plain] {
                let sub = best(q, segments: false).offsets
                let shift = pinned.map { offsets[members[$0]] - sub[$0] } ?? (extent?.low ?? 0) - (sub.min() ?? 0)
                candidates.append(sub.map { $0 + shift })
                let base = extent?.low ?? 0
                let order = buffers.indices.sorted { (buffers[$0].first, $0) < (buffers[$1].first, $1) }
                // In first-use order, and with the buffer the next group shares first, at the bottom.
                for o in [order, outgoing.map { k in [k] + order.filter { $0 != k } }].compactMap({ $0 }) {
                    let fit = pinnedFit(q, order: o, pinned: pinned.map { ($0, offsets[members[$0]] - base) })
                    candidates.append(fit.map { $0 + base })
                }
                if let pinned {
                    candidates.append(chainPlacement(q, pinned: (pinned, offsets[members[pinned]]), extent: extent))
                }
            }
            func span(_ c: [Int]) -> (low: Int, high: Int) {
                var low = extent?.low ?? Int.max, high = extent?.high ?? Int.min
                for (k, o) in c.enumerated() {
                    low = min(low, o)
                    high = max(high, o + buffers[k].bytes)
                }
                return (low, high)
            }
            // The smallest extent; among equal ones the buffer the next group shares lowest.
            func key(_ c: [Int]) -> (Int, Int) { (span(c).high - span(c).low, outgoing.map { c[$0] } ?? 0) }
            let chosen = candidates.min { key($0) < key($1) }!
            extent = span(chosen)
            for (k, i) in members.enumerated() where !placed[i] {
                offsets[i] = chosen[k]
                placed[i] = true
            }
        }
        let low = sized.map { offsets[$0] }.min() ?? 0
        for i in sized { offsets[i] -= low }
        return offsets
    }

    /// First fit in `order` with one buffer already at a given offset (>= 0); the others
    /// at the lowest offsets >= 0 allowed.
    static func pinnedFit(_ p: PlacementProblem, order: [Int], pinned: (index: Int, offset: Int)?) -> [Int] {
        var offsets = [Int](repeating: 0, count: p.buffers.count)
        var placed: [Int] = []
        if let pinned {
            offsets[pinned.index] = pinned.offset
            placed.append(pinned.index)
        }
        for i in order where p.buffers[i].bytes > 0 && i != pinned?.index {
            offsets[i] = lowestOffset(p, i, placed, offsets)
            placed.append(i)
        }
        return offsets
    }
}
