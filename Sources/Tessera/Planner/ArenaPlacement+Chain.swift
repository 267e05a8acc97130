/// The placement for chains of overlapped layers.
///
/// A layer walking forwards puts its output below its input, one walking backwards above:
/// along a chain of such layers the buffers drift, so placing each buffer as low as
/// possible (first fit) leaves no room for the next output below. This strategy places in
/// order of first use, each buffer where it grows the arena's extent least (offsets may go
/// below zero, and the whole layout is shifted up at the end), and among equal extents a
/// buffer of an overlap pair at the highest such offset, which keeps room below for the
/// outputs to come, any other (scratch, say) at the lowest.
extension ArenaPlacement {
    /// With `pinned`, that buffer is already at its offset, in an arena already spanning
    /// `extent` (ArenaPlacement+Segments), and the offsets are not shifted at the end.
    static func chainPlacement(_ p: PlacementProblem, pinned: (index: Int, offset: Int)? = nil, extent: (low: Int, high: Int)? = nil) -> [Int] {
        let order = p.buffers.indices.sorted { (p.buffers[$0].first, $0) < (p.buffers[$1].first, $1) }
        var offsets = [Int](repeating: 0, count: p.buffers.count)
        var placed: [Int] = []
        // The placed buffers live at each step: in first-use order, those a buffer conflicts
        // with are the ones live at its first step (linear in the graph for chains).
        let steps = (p.buffers.map(\.last).max() ?? -1) + 1
        var liveAt = [[Int]](repeating: [], count: max(steps, 1))
        var low = extent?.low ?? 0, high = extent?.high ?? 0  // the extent of the placed buffers
        if let pinned {
            offsets[pinned.index] = pinned.offset
            placed.append(pinned.index)
            for t in p.buffers[pinned.index].first...p.buffers[pinned.index].last { liveAt[t].append(pinned.index) }
            if extent == nil { low = pinned.offset; high = pinned.offset + p.buffers[pinned.index].bytes }
        }
        var inRule = Set<Int>()
        for pair in p.overlaps.keys { inRule.formUnion([pair.a, pair.b]) }
        for i in order where i != pinned?.index {
            let size = p.buffers[i].bytes
            guard size > 0 else { continue }
            var intervals: [(Int, Int)] = []
            for j in liveAt[p.buffers[i].first] {
                let f = p.forbidden(j, i)
                if f.lo < f.hi { intervals.append((offsets[j] + f.lo, offsets[j] + f.hi)) }
            }
            func allowed(_ x: Int) -> Bool { !intervals.contains { x > $0.0 && x < $0.1 } }
            var candidates = [low, high - size, 0]
            for (lo, hi) in intervals { candidates += [lo, hi] }
            var best: (extent: Int, offset: Int)?
            for x in candidates where allowed(x) {
                let extent = max(high, x + size) - min(low, x)
                let better = inRule.contains(i) ? x > best?.offset ?? .min : x < best?.offset ?? .max
                if best == nil || extent < best!.extent || (extent == best!.extent && better) { best = (extent, x) }
            }
            // No candidate fits when placed ones are empty of room: above everything.
            let x = best?.offset ?? high
            offsets[i] = x
            if placed.isEmpty && extent == nil { low = x; high = x + size } else { low = min(low, x); high = max(high, x + size) }
            placed.append(i)
            for t in p.buffers[i].first...p.buffers[i].last { liveAt[t].append(i) }
        }
        // Then each buffer in turn moves where the extent of all the others and it is
        // least, if that is smaller (a few rounds): a buffer the first pass put at an end
        // that a later drift did not need (a scratch above the chain, say) comes back.
        for _ in 0..<(placed.count <= largeProblem ? 3 : 0) {
            var moved = false
            for i in placed where i != pinned?.index {
                let size = p.buffers[i].bytes
                let others = placed.filter { $0 != i }
                guard !others.isEmpty else { break }
                let lowOthers = others.map { offsets[$0] }.min()!, highOthers = others.map { offsets[$0] + p.buffers[$0].bytes }.max()!
                var intervals: [(Int, Int)] = []
                for j in others where p.conflict(i, j) {
                    let f = p.forbidden(j, i)
                    if f.lo < f.hi { intervals.append((offsets[j] + f.lo, offsets[j] + f.hi)) }
                }
                func extent(_ x: Int) -> Int { max(highOthers, x + size) - min(lowOthers, x) }
                var best = (extent: extent(offsets[i]), offset: offsets[i])
                var candidates = [lowOthers, highOthers - size]
                for (lo, hi) in intervals { candidates += [lo, hi] }
                for x in candidates where !intervals.contains(where: { x > $0.0 && x < $0.1 }) && extent(x) < best.extent {
                    best = (extent(x), x)
                }
                if best.offset != offsets[i] {
                    offsets[i] = best.offset
                    moved = true
                }
            }
            if !moved { break }
        }
        guard pinned == nil else { return offsets }
        let shift = placed.map { offsets[$0] }.min() ?? 0
        for i in placed { offsets[i] -= shift }
        return offsets
    }
}
