/// The layer table and memory report of `tessera inspect`, as text or JSON.
public enum InspectReport {
    /// What `tessera inspect` prints for `graph`: after the optimisation passes (or as
    /// loaded, with `original`), as text or JSON.
    /// What `tessera inspect` prints: the layers and the memory plan that `compile` makes with
    /// `options` (after the IR of the passes `options.dumpIRAfter` names), or with `original`
    /// the graph as loaded, before the passes.
    public static func report(_ graph: Graph, options: CompileOptions = .init(), original: Bool = false, json: Bool = false) throws -> String {
        if original {
            let summary = try ModelSummary(graph), plan = try MemoryPlanner.plan(graph)
            return json ? JSONWriter.write(InspectReport.json(graph, summary, plan)) : text(graph, summary, plan)
        }
        let m = try Compiler.compile(graph, options: options)
        let dumps = m.irDumps.map { "=== IR after \($0.pass)\n\($0.text)\n" }.joined()
        return dumps + (json ? JSONWriter.write(InspectReport.json(m.graph, m.summary, m.plan)) : text(m.graph, m.summary, m.plan))
    }

    /// What `tessera inspect --memory` shows: the arena timeline of the plan `compile`
    /// makes with `options`, as text, and the same as SVG.
    public static func memory(_ graph: Graph, options: CompileOptions = .init()) throws -> (timeline: MemoryTimeline, text: String, svg: String, symbolPrefix: String) {
        let m = try Compiler.compile(graph, options: options)
        let timeline = MemoryTimeline(graph: m.graph, plan: m.plan)
        return (timeline, timeline.text(), MemorySVG.svg(timeline), m.symbolPrefix)
    }

    public static func text(_ graph: Graph, _ summary: ModelSummary, _ plan: MemoryPlan) -> String {
        let header = ["#", "node", "op", "output shape", "params", "MACs", "activation B"]
        var rows: [[String]] = summary.layers.map {
            [String($0.index), abbreviated($0.node, 40), $0.description, shapeText($0.outputShape), grouped($0.params), grouped($0.macs), grouped($0.activationBytes)]
        }
        rows.append(["", "total", "", "", grouped(summary.params), grouped(summary.macs), ""])
        let rightAligned: Set<Int> = [0, 4, 5, 6]
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return rightAligned.contains(i) ? pad + c : c + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = ["Model \"\(graph.name)\": \(graph.inputs.count) input(s), \(graph.outputs.count) output(s), \(graph.nodes.count) layers"]
        for input in graph.inputs { out.append("  input  \(input.name): \(input.type)") }
        for output in graph.outputs { out.append("  output \(output): \(graph.types[output].map { "\($0)" } ?? "?")") }
        out.append("")
        out.append(line(header))
        out.append(line(widths.map { String(repeating: "-", count: $0) }))
        for (i, row) in rows.enumerated() {
            if i == rows.count - 1 { out.append(line(widths.map { String(repeating: "-", count: $0) })) }
            out.append(line(row))
        }
        out.append("")
        // FP16 compilations store their weights (and compute) in half.
        out.append(plan.weightsHalves > 0 ? "Memory (fp16 weights):" : "Memory (fp32):")
        let integers = summary.integerConstantElements
        let shapeValues = integers > 0 ? " + \(grouped(integers)) integer shape values = \(grouped(summary.params + integers)) constant elements" : ""
        out.append("  weights (flash)       \(grouped(plan.weightsBytes).leftPadded(12, with: " ")) B  (\(grouped(summary.params)) parameters\(shapeValues))")
        out.append("  activation arena      \(grouped(plan.arenaBytes).leftPadded(12, with: " ")) B  (lower bound \(grouped(plan.lowerBoundBytes)) B)")
        let io = graph.inputs.map(\.type.byteCount).reduce(0, +) + graph.outputs.compactMap { graph.types[$0]?.byteCount }.reduce(0, +)
        out.append("  inputs + outputs      \(grouped(io).leftPadded(12, with: " ")) B  (caller-owned)")
        return out.joined(separator: "\n") + "\n"
    }

    public static func json(_ graph: Graph, _ summary: ModelSummary, _ plan: MemoryPlan) -> JSONValue {
        .object([
            ("model", .string(graph.name)),
            ("inputs", .array(graph.inputs.map { .object([("name", .string($0.name)), ("shape", .array($0.type.shape.map { .int($0) }))]) })),
            ("outputs", .array(graph.outputs.map { name in
                .object([("name", .string(name)), ("shape", .array((graph.types[name]?.shape ?? []).map { .int($0) }))])
            })),
            ("layers", .array(summary.layers.map { l in
                .object([("index", .int(l.index)), ("node", .string(l.node)), ("op", .string(l.op)),
                         ("description", .string(l.description)),
                         ("output_shape", .array(l.outputShape.map { .int($0) })), ("params", .int(l.params)),
                         ("macs", .int(l.macs)), ("activation_bytes", .int(l.activationBytes))])
            })),
            ("totals", .object([("params", .int(summary.params)), ("integer_constant_elements", .int(summary.integerConstantElements)),
                                ("macs", .int(summary.macs))])),
            ("memory", .object([("weights_bytes", .int(plan.weightsBytes)), ("arena_bytes", .int(plan.arenaBytes)),
                                ("arena_lower_bound_bytes", .int(plan.lowerBoundBytes))])),
        ])
    }

    /// `text` shortened to `limit` characters by eliding its middle.
    static func abbreviated(_ text: String, _ limit: Int) -> String {
        guard text.count > limit else { return text }
        let keep = (limit - 1) / 2
        return String(text.prefix(keep)) + "…" + String(text.suffix(limit - 1 - keep))
    }

    /// 12345678 -> "12,345,678".
    public static func grouped(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
