/// A readable text form of the IR, for `--dump-ir-after` and snapshot tests:
///
///     graph tiny
///       input  x: float32[1, 4]
///       const  w: float32[3, 4]
///       h: float32[1, 3] = Gemm(x, w) {transB=1}   # fc1
///       output h
public enum IRPrinter {
    public static func text(_ graph: Graph) -> String {
        var lines = ["graph \(graph.name)"]
        for input in graph.inputs { lines.append("  input  \(input.name): \(input.type)") }
        for (name, c) in graph.constants { lines.append("  const  \(name): \(c.type)") }
        for node in graph.nodes {
            let outs = node.outputs.map { "\($0): \(graph.types[$0].map { "\($0)" } ?? "?")" }.joined(separator: ", ")
            var line = "  \(outs) = \(node.op.name)(\(node.inputs.map { $0.isEmpty ? "_" : $0 }.joined(separator: ", ")))"
            if !node.attributes.isEmpty {
                line += " {" + node.attributes.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "}"
            }
            lines.append(line + "   # \(node.name)")
        }
        for output in graph.outputs { lines.append("  output \(output)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
