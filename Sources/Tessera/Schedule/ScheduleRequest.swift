/// How the compiler schedules the layers (`--schedule`): layer by layer (the default), or a
/// stage run patch by patch: `patch:RxC@NODE` runs NODE and every node it depends on as an
/// R x C grid of patches of NODE's output (MCUNetV2), the rest layer by layer.
public enum ScheduleRequest: Equatable, Sendable {
    case layer
    case patches(rows: Int, cols: Int, through: String)

    /// Parses the `--schedule` text.
    public init(parsing text: String) throws {
        if text == "layer" {
            self = .layer
            return
        }
        let bad = TesseraError.usage("--schedule must be layer or patch:RxC@NODE (for instance patch:3x2@conv5), got \"\(text)\"")
        guard text.hasPrefix("patch:"), let at = text.firstIndex(of: "@") else { throw bad }
        let grid = text[text.index(text.startIndex, offsetBy: 6)..<at].split(separator: "x")
        let node = String(text[text.index(after: at)...])
        guard grid.count == 2, let r = Int(grid[0]), let c = Int(grid[1]), (1...64).contains(r), (1...64).contains(c), !node.isEmpty else { throw bad }
        self = .patches(rows: r, cols: c, through: node)
    }

    /// The graph with the schedule applied (after the passes, before planning).
    func apply(_ graph: Graph) throws -> Graph {
        guard case let .patches(rows, cols, through) = self else { return graph }
        guard let end = graph.nodes.lastIndex(where: { $0.name == through || $0.outputs.contains(through) }) else {
            let names = graph.nodes.prefix(12).map { "\"\($0.name)\"" }.joined(separator: ", ")
            throw TesseraError.usage("--schedule: no node or tensor \"\(through)\" in the compiled graph (its nodes begin \(names))")
        }
        // The stage: the node and everything it depends on.
        var producer: [String: Int] = [:]
        for (i, n) in graph.nodes.enumerated() { for o in n.outputs { producer[o] = i } }
        var members: Set<Int> = [end], stack = [end]
        while let i = stack.popLast() {
            for t in graph.nodes[i].inputs where !t.isEmpty {
                if let p = producer[t], members.insert(p).inserted { stack.append(p) }
            }
        }
        let stage = try Stage(graph, nodes: members)
        guard stage.outputs.count == 1 else {
            throw TesseraError.unsupported(location: graph.nodes[end].location,
                                           message: "--schedule: the stage ending here has \(stage.outputs.count) outputs (\(stage.outputs.map { "\"\($0.tensor)\"" }.joined(separator: ", "))); end it where one tensor crosses")
        }
        return try StageRewrite.apply(graph, stage: stage, passes: try stage.grid(rows: rows, cols: cols))
    }
}
