import Foundation

/// `tessera inspect --schedules`: the Pareto set of the schedule search (peak arena
/// against extra MACs), each schedule planned whole, as a table and as an SVG scatter.
public enum ScheduleInspect {
    public struct Point: Sendable, Equatable {
        public var request: ScheduleRequest
        /// The planner's bound the search weighed, and the arena the planner then places.
        public var peakBoundBytes: Int
        public var arenaBytes: Int
        public var overheadMACs: Int
    }

    /// The Pareto points of `graph` compiled with `options` (its `maxOverhead` bounds the
    /// patch grids weighed), the layer-by-layer schedule first.
    public static func points(_ graph: Graph, options: CompileOptions) throws -> (points: [Point], networkMACs: Int, model: String, symbolPrefix: String) {
        let target = try TargetRegistry.named(options.target)
        let precision = options.precision ?? Precision.defaultFor(target)
        let optimised = try Pipeline.run(graph, options: PassOptions(precision: precision, io: options.io, inputLayout: options.inputLayout),
                                         verify: options.verifyEachPass, dumpAfter: []) { _, _ in }
        let arena = MemoryPlanner.ArenaOptions(overlap: options.inPlace, ioInArena: options.ioInArena,
                                               alignment: options.arenaAlignment ?? target.arenaAlignment)
        let macs = try ScheduleSearch.macs(optimised)
        let budget = Int((Double(macs) * options.maxOverhead).rounded(.down))
        let search = try ScheduleSearch(optimised, maxOverheadMACs: budget) {
            try MemoryPlanner.liveProfile($0, kernels: options.kernels, simd: target.kernelSIMD, arena: arena)
        }
        func planned(_ request: ScheduleRequest) throws -> Int {
            try ExecutionOrder.best(try request.apply(optimised)) {
                try MemoryPlanner.plan($0, kernels: options.kernels, simd: target.kernelSIMD, arena: arena)
            }.plan.arenaBytes
        }
        var points = [Point(request: .layer, peakBoundBytes: search.layerProfile.max() ?? 0, arenaBytes: try planned(.layer), overheadMACs: 0)]
        for c in search.pareto().reversed() where !c.stages.isEmpty && c.overheadMACs <= budget {
            points.append(Point(request: c.request, peakBoundBytes: c.peakBytes, arenaBytes: try planned(c.request), overheadMACs: c.overheadMACs))
        }
        return (points, macs, graph.name, CSyntax.symbolPrefix(graph.name))
    }

    public static func text(_ points: [Point], networkMACs: Int) -> String {
        let g = InspectReport.grouped
        var lines = ["Schedules (Pareto set: no other has both a smaller peak and fewer extra MACs)",
                     "  peak bound B  planned arena B  extra MACs  overhead  schedule"]
        for p in points {
            let pct = networkMACs == 0 ? 0 : 100 * Double(p.overheadMACs) / Double(networkMACs)
            lines.append("  " + [pad(g(p.peakBoundBytes), 12), pad(g(p.arenaBytes), 15), pad(g(p.overheadMACs), 10),
                                 pad(String(format: "%.1f %%", pct), 8), p.request.description].joined(separator: "  "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }

    /// A scatter of planned arena (up) against extra MACs (across), the Pareto steps joined.
    public static func svg(_ points: [Point], networkMACs: Int, model: String) -> String {
        let left = 90.0, top = 40.0, width = 640.0, height = 360.0, bottom = 50.0, right = 30.0
        let maxBytes = Double(max(points.map(\.arenaBytes).max() ?? 1, 1)), maxMACs = Double(max(points.map(\.overheadMACs).max() ?? 1, 1))
        func x(_ m: Int) -> Double { left + Double(m) / maxMACs * width }
        func y(_ b: Int) -> Double { top + height - Double(b) / maxBytes * height }
        func n(_ v: Double) -> String { String(format: "%.1f", v) }
        let g = InspectReport.grouped
        var l = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(left + width + right))\" height=\"\(n(top + height + bottom))\" font-family=\"sans-serif\" font-size=\"11\">",
                 "<title>\(MemorySVG.escape("Schedules of \"\(model)\": planned arena against extra MACs"))</title>",
                 "<text x=\"\(n(left))\" y=\"\(n(top - 16))\" font-size=\"13\">\(MemorySVG.escape("\(model): planned arena (B) against extra MACs, \(points.count) Pareto schedules"))</text>",
                 "<line x1=\"\(n(left))\" y1=\"\(n(top + height))\" x2=\"\(n(left + width))\" y2=\"\(n(top + height))\" stroke=\"black\"/>",
                 "<line x1=\"\(n(left))\" y1=\"\(n(top))\" x2=\"\(n(left))\" y2=\"\(n(top + height))\" stroke=\"black\"/>",
                 "<text x=\"\(n(left + width / 2))\" y=\"\(n(top + height + 36))\" text-anchor=\"middle\">extra MACs (of \(g(networkMACs)))</text>",
                 "<text x=\"\(n(left - 8))\" y=\"\(n(top + 4))\" text-anchor=\"end\">\(g(Int(maxBytes)))</text>",
                 "<text x=\"\(n(left - 8))\" y=\"\(n(top + height))\" text-anchor=\"end\">0</text>",
                 "<text x=\"\(n(left + width))\" y=\"\(n(top + height + 16))\" text-anchor=\"end\">\(g(Int(maxMACs)))</text>"]
        let sorted = points.sorted { $0.overheadMACs < $1.overheadMACs }
        l.append("<polyline fill=\"none\" stroke=\"#888\" points=\"\(sorted.map { "\(n(x($0.overheadMACs))),\(n(y($0.arenaBytes)))" }.joined(separator: " "))\"/>")
        for p in sorted {
            l.append("<circle cx=\"\(n(x(p.overheadMACs)))\" cy=\"\(n(y(p.arenaBytes)))\" r=\"4\" fill=\"#1f77b4\"><title>\(MemorySVG.escape("\(p.request.description): arena \(g(p.arenaBytes)) B (bound \(g(p.peakBoundBytes)) B), +\(g(p.overheadMACs)) MACs"))</title></circle>")
            l.append("<text x=\"\(n(x(p.overheadMACs) + 6))\" y=\"\(n(y(p.arenaBytes) - 6))\">\(g(p.arenaBytes))</text>")
        }
        return (l + ["</svg>"]).joined(separator: "\n") + "\n"
    }
}
