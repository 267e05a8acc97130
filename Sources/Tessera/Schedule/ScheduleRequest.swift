/// How the compiler schedules the layers (`--schedule`): layer by layer (the default), or
/// stages run region by region, the rest layer by layer. A stage is written
/// `MODE@[FROM..]TO`: the node TO (or the node writing tensor TO) and every node it
/// depends on, back to the tensors FROM (a tensor, or a node's outputs, read whole by the
/// stage) or to the graph inputs; several stages are separated by commas, earliest first.
/// MODE is `patch:RxC`, an R x C grid of patches of the stage output, halos recomputed
/// (MCUNetV2), or `band:K`, row bands with line buffers, K rows of the stage input per
/// pass, nothing recomputed (StreamNet).
public enum ScheduleRequest: Equatable, Sendable {
    case layer
    case stages([StagePlan])
    /// Searched (`ScheduleSearch`): the smallest peak within the MAC budget, or with a RAM
    /// budget the fewest extra MACs that fit it (`CompileOptions.maxOverhead`, `fit`).
    case auto

    public struct StagePlan: Equatable, Sendable, CustomStringConvertible {
        public enum Mode: Equatable, Sendable {
            case patches(rows: Int, cols: Int)
            case bands(rows: Int)
        }
        public var mode: Mode
        /// Tensors (or node names) where the stage begins, read whole; empty: the graph inputs.
        public var from: [String]
        public var through: String

        public init(mode: Mode, from: [String] = [], through: String) {
            self.mode = mode
            self.from = from
            self.through = through
        }

        public var description: String {
            let m: String
            switch mode {
            case let .patches(r, c): m = "patch:\(r)x\(c)"
            case let .bands(k): m = "band:\(k)"
            }
            return "\(m)@\(from.isEmpty ? "" : from.joined(separator: "+") + "..")\(through)"
        }
    }

    /// Parses the `--schedule` text.
    public init(parsing text: String) throws {
        if text == "layer" || text == "auto" {
            self = text == "layer" ? .layer : .auto
            return
        }
        self = .stages(try text.split(separator: ",", omittingEmptySubsequences: false).map { try Self.stage(String($0)) })
    }

    public var description: String {
        switch self {
        case .layer: return "layer"
        case .auto: return "auto"
        case let .stages(s): return s.map(\.description).joined(separator: ",")
        }
    }

    private static func stage(_ text: String) throws -> StagePlan {
        let bad = TesseraError.usage("--schedule must be layer, auto, or stages MODE@[FROM..]TO separated by commas, MODE patch:RxC or band:K (for instance patch:3x2@conv5 or band:2@relu1..conv5), got \"\(text)\"")
        guard let at = text.firstIndex(of: "@") else { throw bad }
        let head = text[..<at], tail = String(text[text.index(after: at)...])
        let mode: StagePlan.Mode
        if head.hasPrefix("patch:") {
            let grid = head.dropFirst(6).split(separator: "x", omittingEmptySubsequences: false)
            guard grid.count == 2, let r = Int(grid[0]), let c = Int(grid[1]), (1...64).contains(r), (1...64).contains(c) else { throw bad }
            mode = .patches(rows: r, cols: c)
        } else if head.hasPrefix("band:") {
            guard let k = Int(head.dropFirst(5)), (1...4096).contains(k) else { throw bad }
            mode = .bands(rows: k)
        } else {
            throw bad
        }
        let ends = tail.components(separatedBy: "..")
        guard ends.count <= 2, ends.allSatisfy({ !$0.isEmpty }) else { throw bad }
        let from = ends.count == 2 ? ends[0].split(separator: "+").map(String.init) : []
        return StagePlan(mode: mode, from: from, through: ends.last!)
    }

    /// The graph with the schedule applied (after the passes, before planning).
    func apply(_ graph: Graph) throws -> Graph {
        guard case let .stages(plans) = self else { return graph }
        return try Self.steps(plans, graph).last?.graph ?? graph
    }

    /// The stages applied in turn to `graph`: each stage (in the graph before it) and the
    /// graph after it.
    static func steps(_ plans: [StagePlan], _ graph: Graph) throws -> [(stage: Stage, before: Graph, graph: Graph)] {
        var g = graph, out: [(stage: Stage, before: Graph, graph: Graph)] = []
        var added = Set<String>()  // nodes earlier stages wrote: a later stage may not take them
        for plan in plans {
            let before = Set(g.nodes.map(\.name))
            let stage = try plan.stage(in: g, original: graph, taken: added)
            let next: Graph
            switch plan.mode {
            case let .patches(rows, cols): next = try StageRewrite.apply(g, stage: stage, passes: try stage.grid(rows: rows, cols: cols))
            case let .bands(k): next = try BandRewrite.apply(g, stage: stage, rows: k)
            }
            added.formUnion(next.nodes.map(\.name).filter { !before.contains($0) })
            out.append((stage, g, next))
            g = next
        }
        return out
    }
}

extension ScheduleRequest.StagePlan {
    /// The stage this plan names in `graph`: TO and its ancestors back to FROM. Node
    /// names in FROM may name nodes an earlier stage rewrote (found in `original`, the
    /// graph before any stage): their outputs keep their names.
    func stage(in graph: Graph, original: Graph, taken: Set<String>) throws -> Stage {
        func names(_ n: ArraySlice<Node>) -> String { n.map { "\"\($0.name)\"" }.joined(separator: ", ") }
        guard let end = graph.nodes.lastIndex(where: { $0.name == through || $0.outputs.contains(through) }) else {
            throw TesseraError.usage("--schedule: no node or tensor \"\(through)\" in the compiled graph (its nodes begin \(names(graph.nodes.prefix(12))))")
        }
        var stops = Set<String>()
        for f in from {
            if let n = graph.nodes.first(where: { $0.name == f }) ?? original.nodes.first(where: { $0.name == f }) {
                stops.formUnion(n.outputs)
            } else if graph.types[f] != nil {
                stops.insert(f)
            } else {
                throw TesseraError.usage("--schedule: no node or tensor \"\(f)\" (where the stage ending at \"\(through)\" begins) in the compiled graph")
            }
        }
        var producer: [String: Int] = [:]
        for (i, n) in graph.nodes.enumerated() { for o in n.outputs { producer[o] = i } }
        var members: Set<Int> = [end], stack = [end]
        while let i = stack.popLast() {
            if taken.contains(graph.nodes[i].name) {
                throw TesseraError.usage("--schedule: the stage ending at \"\(through)\" reaches \"\(graph.nodes[i].name)\", which an earlier stage runs; begin it where that stage ends (\(description))")
            }
            for t in graph.nodes[i].inputs where !t.isEmpty && !stops.contains(t) {
                if let p = producer[t], members.insert(p).inserted { stack.append(p) }
            }
        }
        let stage = try Stage(graph, nodes: members)
        guard stage.outputs.count == 1 else {
            throw TesseraError.unsupported(location: graph.nodes[end].location,
                                           message: "--schedule: the stage ending here has \(stage.outputs.count) outputs (\(stage.outputs.map { "\"\($0.tensor)\"" }.joined(separator: ", "))); end it where one tensor crosses")
        }
        return stage
    }
}
