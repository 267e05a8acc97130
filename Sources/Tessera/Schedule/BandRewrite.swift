/// Rewrites a graph so that a stage streams down the image in row bands with line
/// buffers (StreamNet-like): nothing is recomputed. Each pass brings in `rows` more rows
/// of every stage input, and every node then computes the rows of its output that have
/// become computable (as soon as the rows its window reads exist), at its own resolution:
/// a stride-2 layer fires on every other input row. Each intermediate tensor is held as a
/// buffer of the rows its readers still need: the rows kept from the previous pass (a
/// Slice of the old buffer) joined with the new ones (a Concat along the rows), so a
/// 3x3 window's input holds its 3 rows plus what the pass adds, never the whole map.
/// Stage outputs are assembled in place by InsertRegion, as for patches.
///
/// Every node computes full-width rows; its padding is the layer's at the left and right
/// and at the top or bottom only in the pass that reaches that border. So each output
/// value is the very sum the whole layer computes there.
public enum BandRewrite {
    public static func apply(_ graph: Graph, stage: Stage, rows step: Int) throws -> Graph {
        guard step >= 1 else { throw TesseraError.usage("a row band needs at least 1 row, got \(step)") }
        try RegionNodes.checkSupported(stage, mode: "band-scheduled")
        var out = RegionNodes(stage)
        let members = stage.members
        // Readers inside the stage of each tensor: (member position, input position).
        var readers: [String: [(member: Int, input: Int)]] = [:]
        for (m, member) in members.enumerated() {
            for k in member.dataInputs { readers[member.node.inputs[k], default: []].append((m, k)) }
        }
        let outputs = Set(stage.outputs.map(\.tensor))
        func outputMap(_ m: Int) throws -> FeatureMap { try out.map(members[m].node.outputs[0]) }
        /// What member `m` reads of each data input to compute its output rows `rows`.
        func reads(_ m: Int, _ rows: Range<Int>) throws -> (inputs: [Rect], padding: Padding?) {
            let map = try outputMap(m)
            return members[m].rule.reads(Rect(rows: rows, cols: 0..<map.width), positions: members[m].dataInputs)
        }
        var done = [Int](repeating: 0, count: members.count)  // output rows computed so far, per member
        var available: [String: Int] = [:]                    // rows of each tensor that exist
        var buffers: [String: (name: String, rect: Rect)] = [:]
        var assembled: [String: String] = [:]
        // Rows of each member's output; a terminal reduction counts the rows of its input
        // folded in.
        let heights = try members.indices.map { m in
            members[m].rule == .reduction ? try out.map(members[m].node.inputs[0]).height : try outputMap(m).height
        }
        var folded: [String: String] = [:]  // running result of each terminal reduction
        var pass = 0
        while zip(done, heights).contains(where: { $0 < $1 }) {
            let tag = "\(pass)"
            for t in stage.inputs { available[t] = Swift.min(try out.map(t).height, (pass + 1) * step) }
            var progress = false
            for (m, member) in members.enumerated() where done[m] < heights[m] {
                if member.rule == .reduction {  // fold the rows that arrived into its result
                    let t = member.node.inputs[0], upTo = available[t] ?? 0
                    guard upTo > done[m] else { continue }
                    let rect = Rect(rows: done[m]..<upTo, cols: 0..<(try out.map(t).width))
                    let part = try out.read(t, rect, from: try buffers[t] ?? (t, out.map(t).extent), tag: tag)
                    let result = member.node.outputs[0]
                    folded[result] = try out.fold(member.index, part: part, acc: folded[result], last: upTo == heights[m], tag: tag)
                    done[m] = upTo
                    progress = true
                    continue
                }
                // The rows that became computable: each input's window inside what exists.
                func computable(_ x: Int) throws -> Bool {
                    let r = try reads(m, (x - 1)..<x)
                    return zip(member.dataInputs, r.inputs).allSatisfy { k, rect in
                        rect.isEmpty || rect.rows.upperBound <= (available[member.node.inputs[k]] ?? 0)
                    }
                }
                var upTo = done[m]
                while upTo < heights[m], try computable(upTo + 1) { upTo += 1 }
                guard upTo > done[m] else { continue }
                progress = true
                let rows = done[m]..<upTo
                let r = try reads(m, rows)
                var inputs = [String?](repeating: nil, count: member.node.inputs.count)
                for (k, rect) in zip(member.dataInputs, r.inputs) where !rect.isEmpty {
                    let t = member.node.inputs[k]
                    inputs[k] = try out.read(t, rect, from: try buffers[t] ?? (t, out.map(t).extent), tag: tag)
                }
                let width = try outputMap(m).width
                let region = Rect(rows: rows, cols: 0..<width)
                let names = try out.compute(member.index, out: region, inputs: inputs, padding: r.padding, tag: tag)
                done[m] = upTo
                for (t, local) in zip(member.node.outputs, names) where !local.isEmpty {
                    available[t] = upTo
                    if outputs.contains(t) {
                        let last = upTo == heights[m]
                        let name = last ? t : "\(t)@assembled\(tag)"
                        try out.insert(t, patch: local, rect: region, base: assembled[t], name: name, tag: tag)
                        assembled[t] = name
                    }
                    // The rows its readers still need: from the first row the next window
                    // of any of them reads.
                    let still = try (readers[t] ?? []).compactMap { reader -> Int? in
                        guard done[reader.member] < heights[reader.member] else { return nil }
                        if members[reader.member].rule == .reduction { return done[reader.member] }
                        let need = try reads(reader.member, done[reader.member]..<heights[reader.member])
                        let rect = need.inputs[members[reader.member].dataInputs.firstIndex(of: reader.input)!]
                        return rect.isEmpty ? nil : rect.rows.lowerBound
                    }.min()
                    guard let keepFrom = still else { buffers[t] = nil; continue }
                    if let old = buffers[t], keepFrom < old.rect.rows.upperBound {
                        let kept = Rect(rows: Swift.max(keepFrom, old.rect.rows.lowerBound)..<old.rect.rows.upperBound, cols: 0..<width)
                        let carry = try out.read(t, kept, from: old, tag: tag)
                        let joined = Rect(rows: kept.rows.lowerBound..<upTo, cols: 0..<width)
                        buffers[t] = (try out.concatRows(t, [carry, local], rect: joined, name: "\(t)@\(tag).rows"), joined)
                    } else {
                        buffers[t] = (local, region)
                    }
                }
            }
            if !progress && stage.inputs.allSatisfy({ available[$0] == (try? out.map($0).height) }) {
                throw TesseraError.internalError("BandRewrite: no node of the stage can make progress in pass \(pass)")
            }
            pass += 1
        }
        return try out.graph(feeds: RegionNodes.feeds(stage))
    }
}
