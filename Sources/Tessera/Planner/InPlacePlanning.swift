/// Which depthwise layers write their output over their input
/// (`tsr_depthwise_conv2d_inplace_*`).
///
/// A depthwise layer with channel multiplier 1 can: the kernel computes one block of
/// `KernelVariant.inPlaceChannels` channels at a time into scratch and copies it over those
/// channels, which no later block reads. Its output then joins its input's buffer, and the
/// layer needs `batch * out_h * out_w * block` values of scratch instead of a whole output
/// buffer. That pays only where the layer sits at the arena's peak, and the copy costs a
/// little time, so by default a layer runs in place only when that lowers the arena.
public enum InPlacePolicy: String, Sendable, CaseIterable {
    /// Where it lowers the arena (searched greedily, layer by layer).
    case whenSmaller = "auto"
    /// Every layer that can.
    case always
    /// None.
    case never
}

extension MemoryPlanner {
    /// The depthwise layers that can run in place: multiplier 1, more channels than one
    /// block (otherwise the scratch is the whole output), an input in the arena whose
    /// buffer nothing reads after the layer (nor the layer as its weights or bias), and an
    /// output in the arena.
    /// `layout`: the arena without any layer in place, whose buffer lifetimes say when an
    /// input (through any view of it) is last read.
    static func inPlaceCandidates(_ graph: Graph, _ specs: [NodeSpec], _ placed: [String: MemoryPlan.Location],
                                  _ layout: ArenaLayout) -> [Int] {
        var lastUse: [String: Int] = [:]
        for buffer in layout.buffers {
            for name in buffer.tensors { lastUse[name] = buffer.last }
        }
        return graph.nodes.indices.filter { t in
            guard case let .conv(c) = specs[t], c.isDepthwise, c.layout == .nhwc, c.outChannels == c.inChannels,
                  c.inChannels > KernelVariant.inPlaceChannels else { return false }
            let node = graph.nodes[t]
            guard let input = node.input(0), placed[input] == nil, placed[node.outputs[0]] == nil,
                  !node.inputs.dropFirst().contains(input) else { return false }
            return lastUse[input] == t
        }
    }

    /// The most candidates `whenSmaller` considers, and the most arena layouts it tries.
    /// Each trial is a full placement, so the bounds keep planning linear in the number of
    /// nodes for any graph; the networks Tessera targets have far fewer depthwise layers
    /// (MobileNetV1 has 13) and get the full search.
    static let maxInPlaceCandidates = 64
    static let maxInPlaceTrials = 256

    /// The candidates `policy` runs in place. whenSmaller: repeated passes over the
    /// candidates in node order, each taking a layer when the arena with it in place (and
    /// those taken before) is smaller, until a pass takes none, within
    /// `maxInPlaceTrials` layouts; of more than `maxInPlaceCandidates` candidates, only
    /// those where the most bytes are live are tried.
    static func searchInPlace(_ candidates: [Int], policy: InPlacePolicy, start: ArenaLayout,
                              _ layout: (Set<Int>) throws -> ArenaLayout) throws -> Set<Int> {
        switch policy {
        case .never:
            return []
        case .always:
            return Set(candidates)
        case .whenSmaller:
            var pool = candidates
            if pool.count > maxInPlaceCandidates {
                let live = liveBytes(start)
                func at(_ t: Int) -> Int { t < live.count ? live[t] : 0 }
                pool = Array(pool.sorted { at($0) != at($1) ? at($0) > at($1) : $0 < $1 }.prefix(maxInPlaceCandidates)).sorted()
            }
            var chosen: Set<Int> = []
            var best = start.arenaBytes
            var taken = true, trials = 0
            while taken && trials < maxInPlaceTrials {
                taken = false
                for t in pool where !chosen.contains(t) && trials < maxInPlaceTrials {
                    trials += 1
                    let bytes = try layout(chosen.union([t])).arenaBytes
                    if bytes < best {
                        chosen.insert(t)
                        best = bytes
                        taken = true
                    }
                }
            }
            return chosen
        }
    }

    /// Bytes live in the arena at each node of `layout` (a sweep over buffer lifetimes).
    static func liveBytes(_ layout: ArenaLayout) -> [Int] {
        let steps = (layout.buffers.map(\.last).max() ?? -1) + 1
        var change = [Int](repeating: 0, count: steps + 1)
        for b in layout.buffers {
            change[b.first] += b.bytes
            change[b.last + 1] -= b.bytes
        }
        var live = [Int](repeating: 0, count: steps), total = 0
        for t in 0..<steps {
            total += change[t]
            live[t] = total
        }
        return live
    }
}
