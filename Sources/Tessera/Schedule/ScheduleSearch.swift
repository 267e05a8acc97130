import Foundation

/// `--schedule auto`: picks the stages, their bounds and the way each runs.
///
/// 1. Cuts: the points of the layer order crossed by exactly one feature map (the graph
///    inputs, outside the arena, aside). A stage begins after a cut (or at the inputs) and
///    ends at one, so the live bytes of the rest of the graph do not change with it.
/// 2. Candidates: the stages between two cuts that could lower the peak (rounds, see
///    `init`), run as row bands of 1 input row and as the patch grids (rows x cols in
///    1...8) within the MAC budget with the smallest buffers by the region analysis.
///    Each is rewritten, and the planner's per-step bound
///    (`MemoryPlanner.liveProfile`) gives the stage's peak; the MACs of the rewritten
///    graph give its overhead.
/// 3. Choice: a dynamic program over the layer order covers every step above a peak T with
///    candidates whose peak is at most T, at the fewest extra MACs (then the fewest added
///    nodes, a proxy for code size). The smallest T within the MAC budget wins; with a RAM
///    budget (`--fit`), the fewest extra MACs under it.
/// 4. Verdict (`refine`): the best few schedules, with 1, 2 and 4 rows per band, planned
///    whole; the smallest planned arena wins (the planner may place above its bound).
public struct ScheduleSearch {
    public struct Candidate: Sendable, Equatable {
        public var plan: ScheduleRequest.StagePlan
        /// Node positions in the layer-by-layer order: the stage is nodes first...last.
        public var first: Int
        public var last: Int
        /// The stage's peak: the planner's bound at the steps the stage's nodes run.
        public var peakBytes: Int
        public var overheadMACs: Int
        /// Nodes the rewrite adds (region nodes, slices, concats, inserts) less the stage's.
        public var addedNodes: Int
    }

    /// A schedule the dynamic program can pick, with its figures.
    public struct Choice: Sendable, Equatable {
        public var stages: [Candidate]
        public var peakBytes: Int
        public var overheadMACs: Int
        public var request: ScheduleRequest { stages.isEmpty ? .layer : .stages(stages.map(\.plan)) }
    }

    public let graph: Graph
    /// The planner's bound at each step of the layer-by-layer order.
    public let layerProfile: [Int]
    public let totalMACs: Int
    public private(set) var candidates: [Candidate] = []
    /// Candidates refused (unsupported ops inside, several outputs...): how many.
    public private(set) var refused = 0
    private let profile: (Graph) throws -> [Int]
    private let names: [String]
    private let trace: Bool

    public static let bandRows = [1, 2, 4]
    public static let gridSides = [1, 2, 3, 4, 6, 8]

    /// Evaluates the candidates of `graph` (the optimised graph) that can lower the peak
    /// within `maxOverheadMACs`; `profile` is the planner's bound per step of a graph.
    ///
    /// Rounds: the best peak P so far (at first the layer-by-layer one) is covered; each
    /// round evaluates the stages not yet weighed that contain a step above P and could
    /// come under it (their input and output, held whole, weigh less than P), then the
    /// dynamic program lowers P. It stops when no stage is left to weigh. Row bands run
    /// 1 input row per pass here (the smallest line buffers; `refine` then tries
    /// more rows for fewer passes); patch grids within the MAC budget are ranked by their
    /// largest regions and the best `gridsPerStage` weighed.
    init(_ graph: Graph, maxOverheadMACs: Int, trace: Bool = false, profile: @escaping (Graph) throws -> [Int]) throws {
        self.graph = graph
        self.profile = profile
        self.trace = trace
        layerProfile = try profile(graph)
        totalMACs = try Self.macs(graph)
        names = graph.nodes.map(\.name)
        // Stages end where one tensor crosses (their output) and begin where up to
        // `maxStartCrossing` do (read whole: a stage may begin inside a residual block,
        // its skip tensor among its inputs).
        let cuts = try Self.cuts(graph, maxCrossing: Self.maxStartCrossing)
        let ends = cuts.filter { $0.tensors.count == 1 }
        var bytes: [String: Int] = [:]
        for (t, type) in graph.types { bytes[t] = type.byteCount }
        // Stage starts: the graph inputs (position 0) and the node after every cut.
        let starts = [(first: 0, from: [String]())] + cuts.map { (first: $0.node + 1, from: $0.tensors) }
        var pairs: [(first: Int, last: Int, from: [String], through: String, held: Int)] = []
        for start in starts {
            let entry = start.from.map { bytes[$0] ?? 0 }.reduce(0, +)
            for end in ends where end.node >= start.first {
                pairs.append((start.first, end.node, start.from, end.tensors[0], entry + (bytes[end.tensors[0]] ?? 0)))
            }
        }
        var weighed = Set<Int>()
        var peak = layerProfile.max() ?? 0
        while true {
            let round = pairs.indices.filter { k in
                let p = pairs[k]
                return !weighed.contains(k) && p.held < peak && layerProfile[p.first...p.last].contains { $0 >= peak }
            }
            if trace {
                FileHandle.standardError.write("search: \(cuts.count) cuts, \(pairs.count) stages, round under \(peak) B: \(round.count) to weigh\n".data(using: .utf8)!)
            }
            if round.isEmpty { break }
            for k in round {
                weighed.insert(k)
                let p = pairs[k]
                try weigh(first: p.first, last: p.last, from: p.from, through: p.through, budget: maxOverheadMACs)
            }
            let best = smallestPeak(maxOverheadMACs: maxOverheadMACs)
            if best.peakBytes >= peak { break }
            peak = best.peakBytes
        }
    }

    public static let gridsPerStage = 3
    /// The most tensors a cut where a stage begins may be crossed by.
    public static let maxStartCrossing = 3
    /// How many of the DP's best schedules (each with its band variants) are planned whole.
    public static let plannedChoices = 3

    /// Weighs the stage over nodes first...last: as 1-row bands and as its best patch grids.
    private mutating func weigh(first: Int, last: Int, from: [String], through: String, budget: Int) throws {
        let band = ScheduleRequest.StagePlan(mode: .bands(rows: 1), from: from, through: through)
        let stage: Stage
        do {
            stage = try band.stage(in: graph, original: graph, taken: [])
            guard stage.nodes == Array(first...last) else { refused += 1; return }
            try RegionNodes.checkSupported(stage, mode: "searched")
        } catch {
            refused += 1
            return
        }
        try add(band, first: first, last: last)
        // Patch grids within the budget, smallest buffers first.
        var grids: [(mode: ScheduleRequest.StagePlan.Mode, buffers: Int)] = []
        for r in Self.gridSides {
            for c in Self.gridSides where r * c > 1 {
                guard let costs = try? StageCosts(stage, passes: try stage.grid(rows: r, cols: c)), costs.overheadMACs <= budget else { continue }
                grids.append((.patches(rows: r, cols: c), costs.tensors.map(\.largestRegionElements).reduce(0, +)))
            }
        }
        for g in grids.sorted(by: { $0.buffers < $1.buffers }).prefix(Self.gridsPerStage) {
            try add(ScheduleRequest.StagePlan(mode: g.mode, from: from, through: through), first: first, last: last)
        }
    }

    /// Rewrites the graph with `plan` alone and records it; a rewrite the stage refuses is
    /// counted, not thrown.
    private mutating func add(_ plan: ScheduleRequest.StagePlan, first: Int, last: Int) throws {
        let clock = ContinuousClock.now
        let rewritten: Graph
        do {
            rewritten = try ScheduleRequest.stages([plan]).apply(graph)
        } catch let error as TesseraError {
            if case .internalError = error { throw error }
            refused += 1
            return
        }
        let steps = try profile(rewritten)
        let outside = Set(names[..<first] + names[(last + 1)...])
        let peak = zip(rewritten.nodes, steps).filter { !outside.contains($0.0.name) }.map(\.1).max() ?? 0
        let c = Candidate(plan: plan, first: first, last: last, peakBytes: peak, overheadMACs: try Self.macs(rewritten) - totalMACs,
                          addedNodes: rewritten.nodes.count - graph.nodes.count)
        candidates.append(c)
        if trace {
            FileHandle.standardError.write("search: \(plan) peak \(peak) B, +\(c.overheadMACs) MACs, \(c.addedNodes) nodes (\(ContinuousClock.now - clock))\n".data(using: .utf8)!)
        }
    }

    /// The planner's verdict: `choices` and their variants with 2 and 4 input rows per
    /// pass in their band stages are rewritten and planned whole (`arena` gives the
    /// planned bytes), and the one with the smallest arena is kept (ties: fewer added
    /// nodes, so less code). Bounds rank the candidates; the placement decides between
    /// close ones. With `limit` (`--fit`): the fewest extra MACs that fit it, then the
    /// fewest added nodes.
    public mutating func refine(_ choices: [Choice], limit: Int? = nil, arena: (Graph) throws -> Int) throws -> (choice: Choice, arenaBytes: Int) {
        var variants: [Choice] = []
        for choice in choices { variants += try bandVariants(choice) }
        var best: (choice: Choice, arenaBytes: Int, nodes: Int)?
        var planned = Set<String>()
        for v in variants where planned.insert(v.request.description).inserted {
            let bytes = try arena(try v.request.apply(graph))
            let nodes = v.stages.map(\.addedNodes).reduce(0, +)
            if trace { FileHandle.standardError.write("search: planned \(v.request.description): \(bytes) B, \(nodes) nodes added\n".data(using: .utf8)!) }
            let better: Bool
            if let b = best {
                if let limit {
                    better = bytes <= limit && (b.arenaBytes > limit || v.overheadMACs < b.choice.overheadMACs
                                                || (v.overheadMACs == b.choice.overheadMACs && (nodes, bytes) < (b.nodes, b.arenaBytes)))
                } else {
                    better = bytes < b.arenaBytes || (bytes == b.arenaBytes && nodes < b.nodes)
                }
            } else {
                better = true
            }
            if better { best = (v, bytes, nodes) }
        }
        return (best!.choice, best!.arenaBytes)
    }

    /// The DP's best `count` schedules within `maxOverheadMACs`, smallest bound first.
    public func leading(_ count: Int, maxOverheadMACs: Int) -> [Choice] {
        var out: [Choice] = []
        for t in Set(layerProfile + candidates.map(\.peakBytes)).sorted() {
            guard let c = cover(peak: t), c.overheadMACs <= maxOverheadMACs, !out.contains(c) else { continue }
            out.append(c)
            if out.count == count { break }
        }
        return out.isEmpty ? [smallestPeak(maxOverheadMACs: maxOverheadMACs)] : out
    }

    /// `choice`, and the same with 2 and 4 input rows per pass in its band stages.
    private mutating func bandVariants(_ choice: Choice) throws -> [Choice] {
        var variants = [choice]
        for rows in Self.bandRows where rows > 1 {
            var v = choice, changed = false
            for (k, c) in choice.stages.enumerated() {
                guard case .bands = c.plan.mode else { continue }
                var plan = c.plan
                plan.mode = .bands(rows: rows)
                let before = candidates.count
                try add(plan, first: c.first, last: c.last)
                guard candidates.count > before, let wide = candidates.last else { continue }
                v.stages[k] = wide
                changed = true
            }
            v.peakBytes = max(v.stages.map(\.peakBytes).max() ?? 0, choice.peakBytes)
            if changed { variants.append(v) }
        }
        return variants
    }

    /// The schedule with the smallest peak within `maxOverheadMACs` (ties: fewest extra
    /// MACs, then fewest added nodes).
    public func smallestPeak(maxOverheadMACs: Int) -> Choice {
        let thresholds = Set(layerProfile + candidates.map(\.peakBytes)).sorted()
        for t in thresholds {
            if let c = cover(peak: t), c.overheadMACs <= maxOverheadMACs { return c }
        }
        return cover(peak: thresholds.last ?? 0)!
    }

    /// The schedule with the fewest extra MACs whose peak is at most `bytes` (ties: the
    /// smaller peak), or nil when none is.
    public func fewestMACs(fitting bytes: Int) -> Choice? {
        guard let best = cover(peak: bytes) else { return nil }
        // The same MACs at a smaller peak: the leaner schedule is the safer one.
        for t in Set(layerProfile + candidates.map(\.peakBytes)).sorted() where t <= bytes {
            if let c = cover(peak: t), c.overheadMACs == best.overheadMACs { return c }
        }
        return best
    }

    /// Every step above `peak` inside a candidate whose peak is at most `peak`, at the
    /// fewest (extra MACs, added nodes); nil when some step cannot be covered.
    public func cover(peak: Int) -> Choice? {
        let n = layerProfile.count
        typealias Cost = (macs: Int, nodes: Int)
        var best = [Cost?](repeating: nil, count: n + 1)
        var via = [Candidate?](repeating: nil, count: n + 1)
        best[0] = (0, 0)
        var byFirst: [Int: [Candidate]] = [:]
        for c in candidates where c.peakBytes <= peak { byFirst[c.first, default: []].append(c) }
        func better(_ a: Cost, _ b: Cost?) -> Bool { b.map { (a.macs, a.nodes) < ($0.macs, $0.nodes) } ?? true }
        for i in 0..<n {
            guard let here = best[i] else { continue }
            if layerProfile[i] <= peak, better(here, best[i + 1]) {
                best[i + 1] = here
                via[i + 1] = nil
            }
            for c in byFirst[i] ?? [] {
                let cost = (macs: here.macs + c.overheadMACs, nodes: here.nodes + c.addedNodes)
                if better(cost, best[c.last + 1]) {
                    best[c.last + 1] = cost
                    via[c.last + 1] = c
                }
            }
        }
        guard let total = best[n] else { return nil }
        var stages: [Candidate] = [], i = n
        while i > 0 {
            if let c = via[i] {
                stages.append(c)
                i = c.first
            } else {
                i -= 1
            }
        }
        stages.reverse()
        var p = 0
        for i in 0..<n where !stages.contains(where: { (($0.first)...($0.last)).contains(i) }) { p = max(p, layerProfile[i]) }
        return Choice(stages: stages, peakBytes: max(p, stages.map(\.peakBytes).max() ?? 0), overheadMACs: total.macs)
    }

    /// The Pareto set of (peak, extra MACs) over the thresholds: each schedule no other
    /// beats in both.
    public func pareto() -> [Choice] {
        var out: [Choice] = []
        for t in Set(layerProfile + candidates.map(\.peakBytes)).sorted().reversed() {
            guard let c = cover(peak: t) else { continue }
            if let last = out.last, last.peakBytes == c.peakBytes { continue }
            if let last = out.last, c.overheadMACs <= last.overheadMACs { out.removeLast() }
            out.append(c)
        }
        return out.reversed()
    }

    /// The cuts of `graph`: after node `node`, only `tensors` (4-D feature maps, at most
    /// `maxCrossing`, sorted) cross; graph inputs aside.
    static func cuts(_ graph: Graph, maxCrossing: Int = 1) throws -> [(node: Int, tensors: [String])] {
        var lastRead: [String: Int] = [:]
        for (i, node) in graph.nodes.enumerated() { for t in node.inputs where !t.isEmpty { lastRead[t] = i } }
        let inputs = Set(graph.inputs.map(\.name))
        var live: [String: Int] = [:]  // produced tensor -> last reader
        var out: [(node: Int, tensors: [String])] = []
        for (i, node) in graph.nodes.enumerated() {
            for o in node.outputs where !o.isEmpty && graph.constants[o] == nil { live[o] = graph.outputs.contains(o) ? Int.max : (lastRead[o] ?? -1) }
            live = live.filter { $0.value > i }
            let crossing = live.keys.filter { !inputs.contains($0) }
            if (1...maxCrossing).contains(crossing.count), crossing.allSatisfy({ graph.types[$0]?.rank == 4 }) { out.append((i, crossing.sorted())) }
        }
        return out
    }

    static func macs(_ graph: Graph) throws -> Int {
        try graph.nodes.map { try NodeSpec.of($0, in: graph).macs }.reduce(0, +)
    }
}
