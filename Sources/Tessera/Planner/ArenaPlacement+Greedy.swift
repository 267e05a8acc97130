/// The heuristics: first-fit, greedy by size, greedy by breadth. Each is O(n^2 log n).
extension ArenaPlacement {
    /// In order of first use (ties: index), each buffer at the lowest offset allowed.
    static func firstFit(_ p: PlacementProblem) -> [Int] {
        let order = p.buffers.indices.sorted { (p.buffers[$0].first, $0) < (p.buffers[$1].first, $1) }
        return lowestFit(p, order: order)
    }

    /// Largest first (ties: earlier first use, then index), each in the smallest gap
    /// between the placed buffers it conflicts with; without a bounded gap, the lowest
    /// offset above them (Pisarchyk and Lee 2020, TFLite's greedy by size).
    static func greedyBySize(_ p: PlacementProblem) -> [Int] {
        let order = p.buffers.indices.sorted {
            let a = p.buffers[$0], b = p.buffers[$1]
            return (-a.bytes, a.first, $0) < (-b.bytes, b.first, $1)
        }
        var offsets = [Int](repeating: 0, count: p.buffers.count)
        var placed: [Int] = []
        for i in order where p.buffers[i].bytes > 0 {
            let g = gaps(excludedRanges(p, i, placed, offsets), p.alignment)
            // The last gap is unbounded; a bounded one wins if any, the smallest first.
            var pick = g[g.count - 1].start, width = Int.max
            for gap in g.dropLast() where gap.end - gap.start < width {
                pick = gap.start
                width = gap.end - gap.start
            }
            offsets[i] = pick
            placed.append(i)
        }
        return offsets
    }

    /// Repeatedly the step with the most unplaced bytes live (ties: the earliest), its
    /// largest unplaced buffer (ties: earlier first use, then index) at the lowest offset
    /// allowed (Glow). Steps are compressed to the first uses, where the maxima lie.
    static func greedyByBreadth(_ p: PlacementProblem) -> [Int] {
        let sized = p.buffers.indices.filter { p.buffers[$0].bytes > 0 }
        let points = Array(Set(sized.map { p.buffers[$0].first })).sorted()
        var live = [Int](repeating: 0, count: points.count)
        var liveAt = [[Int]](repeating: [], count: points.count)
        for (k, t) in points.enumerated() {
            for i in sized where p.buffers[i].first <= t && t <= p.buffers[i].last {
                live[k] += p.buffers[i].bytes
                liveAt[k].append(i)
            }
        }
        var offsets = [Int](repeating: 0, count: p.buffers.count)
        var isPlaced = [Bool](repeating: false, count: p.buffers.count)
        var placed: [Int] = []
        for _ in sized {
            var k = 0
            for c in points.indices where live[c] > live[k] { k = c }
            var pick = -1
            for i in liveAt[k] where !isPlaced[i] {
                if pick < 0 { pick = i; continue }
                let a = p.buffers[i], b = p.buffers[pick]
                if (-a.bytes, a.first, i) < (-b.bytes, b.first, pick) { pick = i }
            }
            offsets[pick] = lowestOffset(p, pick, placed, offsets)
            isPlaced[pick] = true
            placed.append(pick)
            for (c, t) in points.enumerated() where p.buffers[pick].first <= t && t <= p.buffers[pick].last {
                live[c] -= p.buffers[pick].bytes
            }
        }
        return offsets
    }

    /// Each buffer of `order` at the lowest aligned offset allowed by those placed before.
    static func lowestFit(_ p: PlacementProblem, order: [Int]) -> [Int] {
        var offsets = [Int](repeating: 0, count: p.buffers.count)
        var placed: [Int] = []
        for i in order where p.buffers[i].bytes > 0 {
            offsets[i] = lowestOffset(p, i, placed, offsets)
            placed.append(i)
        }
        return offsets
    }

    /// The lowest aligned offset for buffer i, given the placed buffers.
    static func lowestOffset(_ p: PlacementProblem, _ i: Int, _ placed: [Int], _ offsets: [Int]) -> Int {
        guard p.buffers[i].bytes > 0 else { return 0 }
        return gaps(excludedRanges(p, i, placed, offsets), p.alignment)[0].start
    }

    /// The aligned offsets of buffer i that the placed buffers it conflicts with forbid, as
    /// closed ranges sorted by their lower end (which may be negative).
    static func excludedRanges(_ p: PlacementProblem, _ i: Int, _ placed: [Int], _ offsets: [Int]) -> [(lo: Int, hi: Int)] {
        var ranges: [(lo: Int, hi: Int)] = []
        for j in placed where j != i && p.buffers[j].bytes > 0 && p.conflict(i, j) {
            if let e = excluded(p.forbidden(j, i), p.alignment) {
                ranges.append((offsets[j] + e.lo, offsets[j] + e.hi))
            }
        }
        ranges.sort { $0.lo < $1.lo }
        return ranges
    }

    /// The maximal runs [start, end] of aligned offsets >= 0 outside the sorted ranges; the
    /// last is unbounded (its end is Int.max).
    static func gaps(_ ranges: [(lo: Int, hi: Int)], _ alignment: Int) -> [(start: Int, end: Int)] {
        var out: [(start: Int, end: Int)] = []
        var cur = 0
        for r in ranges {
            if r.lo > cur { out.append((cur, r.lo - alignment)) }
            cur = max(cur, r.hi + alignment)
        }
        out.append((cur, Int.max))
        return out
    }
}
