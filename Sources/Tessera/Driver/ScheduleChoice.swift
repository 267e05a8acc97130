import Foundation

/// The schedule a compilation runs, with what `report.json`'s `schedule` says of it.
public struct ScheduleChoice: Sendable {
    public struct StageFigures: Sendable, Equatable {
        public var plan: ScheduleRequest.StagePlan
        /// The stage's nodes, in order (the compiled graph's names before the rewrite).
        public var ops: [String]
        public var overheadMACs: Int
        /// The planner's bound on the arena while the stage runs.
        public var peakBytes: Int?
    }

    public var request: ScheduleRequest
    public var stages: [ScheduleChoice.StageFigures]
    /// The layer-by-layer arena of the same graph (planned), nil for `--schedule layer`.
    public var peakLayerByLayer: Int?
    /// MACs of the layer-by-layer graph.
    public var networkMACs: Int
    /// With `auto`: how many candidates the search weighed, and how long it took.
    public var candidates: Int?
    public var searchSeconds: Double?

    public var overheadMACs: Int { stages.map(\.overheadMACs).reduce(0, +) }
}

extension ScheduleSearch {
    /// The schedule `options` ask for on `graph` (the optimised graph): `layer`, the forced
    /// stages, or the one `auto` finds.
    static func resolve(_ options: CompileOptions, graph: Graph, target: TargetDescription,
                        arena: MemoryPlanner.ArenaOptions) throws -> ScheduleChoice {
        let networkMACs = try macs(graph)
        // With a streamed input every figure is of the streamed graph (the whole-frame read
        // a layer run whole needs sits in the arena); the profile drops the steps of the
        // reads the streaming adds, so its steps stay the layer order's.
        func streamed(_ g: Graph) throws -> Graph { options.streamedInput ? try InputStreaming.apply(g).graph : g }
        func profile(_ g: Graph) throws -> [Int] {
            guard options.streamedInput else { return try MemoryPlanner.liveProfile(g, kernels: options.kernels, simd: target.kernelSIMD, arena: arena) }
            let (s, added) = try InputStreaming.apply(g)
            var steps = try MemoryPlanner.liveProfile(s, kernels: options.kernels, simd: target.kernelSIMD, arena: arena)
            for k in added.sorted(by: >) where k + 1 < steps.count {
                steps[k + 1] = max(steps[k + 1], steps[k])
                steps.remove(at: k)
            }
            return steps
        }
        func layerArena() throws -> Int {
            try MemoryPlanner.plan(try streamed(graph), kernels: options.kernels, simd: target.kernelSIMD, arena: arena).arenaBytes
        }
        switch options.schedule {
        case .layer:
            return ScheduleChoice(request: .layer, stages: [], peakLayerByLayer: nil, networkMACs: networkMACs)
        case let .stages(plans):
            let figures = try zip(plans, ScheduleRequest.steps(plans, graph)).map { plan, step in
                ScheduleChoice.StageFigures(plan: plan, ops: step.stage.nodes.map { step.before.nodes[$0].name },
                                            overheadMACs: try macs(step.graph) - macs(step.before), peakBytes: nil)
            }
            return ScheduleChoice(request: options.schedule, stages: figures, peakLayerByLayer: try layerArena(), networkMACs: networkMACs)
        case .auto:
            guard options.maxOverhead >= 0 && options.maxOverhead.isFinite else {
                throw TesseraError.usage("--max-overhead must be a fraction of the network's MACs, 0 or more, got \(options.maxOverhead)")
            }
            let start = Date()
            let budget = Int((Double(networkMACs) * options.maxOverhead).rounded(.down))
            var search = try ScheduleSearch(graph, maxOverheadMACs: budget, trace: ProcessInfo.processInfo.environment["TESSERA_SEARCH_TRACE"] != nil, profile: profile)
            let choice: ScheduleSearch.Choice
            var quick = arena
            quick.exact = false  // ranked by the heuristic placements; the compile then plans the winner in full
            func planned(_ g: Graph) throws -> Int {
                try ExecutionOrder.best(try streamed(g)) { try MemoryPlanner.plan($0, kernels: options.kernels, simd: target.kernelSIMD, arena: quick) }.plan.arenaBytes
            }
            if options.fit {
                guard let region = target.arenaRegion, !target.isHost else {
                    throw TesseraError.usage("--fit needs an MCU target with an SRAM region for the arena (\(target.name) has none)")
                }
                let room = region.size - target.stackBytes
                guard let c = search.fewestMACs(fitting: room) else {
                    let best = search.smallestPeak(maxOverheadMACs: Int.max)
                    throw TesseraError.usage("--fit: no schedule fits \(target.name)'s \(region.name) (\(region.size) B less its \(target.stackBytes)-byte stack: \(room) B); the smallest peak found is \(best.peakBytes) B (\(best.request.description))")
                }
                // The fewest MACs that fit by the bound, and the smallest peaks, planned whole.
                let r = try search.refine([c] + search.leading(2, maxOverheadMACs: Int.max), limit: room, arena: planned)
                guard r.arenaBytes <= room else {
                    throw TesseraError.usage("--fit: the schedules that fit \(target.name)'s \(region.name) by the planner's bound (\(room) B with its stack) place at \(r.arenaBytes) B at best (\(r.choice.request.description))")
                }
                choice = r.choice
            } else {
                choice = try search.refine(search.leading(ScheduleSearch.plannedChoices, maxOverheadMACs: budget), arena: planned).choice
            }
            let figures = choice.stages.map { c in
                ScheduleChoice.StageFigures(plan: c.plan, ops: graph.nodes[c.first...c.last].map(\.name), overheadMACs: c.overheadMACs, peakBytes: c.peakBytes)
            }
            return ScheduleChoice(request: choice.request, stages: figures, peakLayerByLayer: try layerArena(), networkMACs: networkMACs,
                                  candidates: search.candidates.count, searchSeconds: Date().timeIntervalSince(start))
        }
    }
}
