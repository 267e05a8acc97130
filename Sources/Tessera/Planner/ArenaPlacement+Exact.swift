/// The exact placement: branch and bound, deterministic (a node limit, never a clock).
///
/// Why it is complete: take an optimal placement with the smallest sum of offsets. Any set
/// of buffers moved down together by one alignment unit would collide with a buffer outside
/// the set (else the sum shrinks), so the buffers can be ordered so that each sits at 0 or
/// right above a range an earlier one forbids: at the start of a gap left by the earlier
/// ones. The search branches over the next buffer and every gap start, so it reaches that
/// placement. When every forbidden range ends at or above the other buffer's offset (always
/// without overlap rules), that order can follow the offsets, so offsets never decrease
/// along a branch; when every range ends strictly above (no rule lets a buffer start where
/// another starts), ties go by index. Identical buffers without rules are interchangeable,
/// so the later one waits for the earlier.
extension ArenaPlacement {
    static func exact(_ p: PlacementProblem, incumbent: Placement) -> Placement {
        let bound = lowerBound(p)
        var result = incumbent
        result.strategy = .exact
        result.provedOptimal = incumbent.arenaBytes <= bound
        let ids = p.buffers.indices.filter { p.buffers[$0].bytes > 0 }
        guard !result.provedOptimal, ids.count <= exactBufferLimit else { return result }
        var search = ExactSearch(p, ids, bound: bound, incumbent: incumbent.arenaBytes)
        search.run(depth: 0, arena: 0, lastX: 0, lastI: -1)
        if search.bestArena < incumbent.arenaBytes {
            var offsets = [Int](repeating: 0, count: p.buffers.count)
            for (k, i) in ids.enumerated() { offsets[i] = search.bestOffsets[k] }
            result.offsets = offsets
            result.arenaBytes = search.bestArena
        }
        result.provedOptimal = !search.aborted || result.arenaBytes == bound
        return result
    }
}

/// The state of one search, over the buffers of non-zero size (local indices).
struct ExactSearch {
    enum Order { case offsetsThenIndex, offsets, free }

    let count: Int
    let alignment: Int
    let bytes: [Int]
    /// For buffer i: the buffers j it conflicts with and the aligned range of
    /// offset[i] - offset[j] that is forbidden.
    let conflicts: [[(j: Int, lo: Int, hi: Int)]]
    /// The previous identical buffer without rules, or -1.
    let previousTwin: [Int]
    let order: Order
    let bound: Int
    let nodeLimit = ArenaPlacement.exactNodeLimit

    var offsets: [Int]
    var placed: [Bool]
    var bestArena: Int
    var bestOffsets: [Int]
    var nodes = 0
    var aborted = false
    var scratch: [(lo: Int, hi: Int)] = []

    init(_ p: PlacementProblem, _ ids: [Int], bound: Int, incumbent: Int) {
        count = ids.count
        alignment = p.alignment
        bytes = ids.map { p.buffers[$0].bytes }
        var conflicts = [[(j: Int, lo: Int, hi: Int)]](repeating: [], count: ids.count)
        var lowestEnd = Int.max
        for (k, i) in ids.enumerated() {
            for (l, j) in ids.enumerated() where l != k && p.conflict(i, j) {
                guard let e = ArenaPlacement.excluded(p.forbidden(j, i), p.alignment) else { continue }
                conflicts[k].append((l, e.lo, e.hi))
                lowestEnd = min(lowestEnd, e.hi + p.alignment)
            }
        }
        self.conflicts = conflicts
        order = lowestEnd > 0 ? .offsetsThenIndex : lowestEnd == 0 ? .offsets : .free
        var ruled = Set<Int>()
        for pair in p.overlaps.keys { ruled.insert(pair.a); ruled.insert(pair.b) }
        var twin = [Int](repeating: -1, count: ids.count)
        var last: [[Int]: Int] = [:]
        for (k, i) in ids.enumerated() where !ruled.contains(i) {
            let b = p.buffers[i], key = [b.bytes, b.first, b.last]
            if let prev = last[key] { twin[k] = prev }
            last[key] = k
        }
        previousTwin = twin
        self.bound = bound
        offsets = [Int](repeating: 0, count: ids.count)
        placed = [Bool](repeating: false, count: ids.count)
        bestArena = incumbent
        bestOffsets = []
    }

    /// Depth-first over (next buffer, gap start); lastX and lastI are the previous choice.
    mutating func run(depth: Int, arena: Int, lastX: Int, lastI: Int) {
        if depth == count {
            if arena < bestArena { bestArena = arena; bestOffsets = offsets }
            return
        }
        let minX = order == .free ? 0 : lastX
        var nodeBound = max(arena, bound)
        var children: [(arena: Int, x: Int, i: Int)] = []
        for i in 0..<count where !placed[i] {
            scratch.removeAll(keepingCapacity: true)
            for c in conflicts[i] where placed[c.j] {
                scratch.append((offsets[c.j] + c.lo, offsets[c.j] + c.hi))
            }
            scratch.sort { $0.lo < $1.lo }
            let gaps = ArenaPlacement.gaps(scratch, alignment)
            // Every unplaced buffer still needs room at or above minX.
            let lowest = gaps.first { $0.end >= minX }.map { max($0.start, minX) }!
            nodeBound = max(nodeBound, lowest + bytes[i])
            if nodeBound >= bestArena { return }
            if previousTwin[i] >= 0 && !placed[previousTwin[i]] { continue }
            for g in gaps where g.start >= minX && g.start + bytes[i] < bestArena {
                if order == .offsetsThenIndex && g.start == lastX && i < lastI { continue }
                children.append((max(arena, g.start + bytes[i]), g.start, i))
            }
        }
        children.sort { ($0.arena, $0.x, $0.i) < ($1.arena, $1.x, $1.i) }
        for c in children {
            if c.arena >= bestArena { break }
            if nodes >= nodeLimit { aborted = true; return }
            nodes += 1
            placed[c.i] = true
            offsets[c.i] = c.x
            run(depth: depth + 1, arena: c.arena, lastX: c.x, lastI: c.i)
            placed[c.i] = false
            if aborted || bestArena <= bound { return }
        }
    }
}
