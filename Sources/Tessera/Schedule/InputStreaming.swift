/// `--input streamed`: the model's input is never a caller buffer. Every node that reads it
/// reads a ReadInput node instead, which pulls its rectangle through the generated callback
/// `<model>_read_input(row, col, height, width, dst)` into the arena. A region Slice of the
/// input (what a scheduled stage reads per pass, StageRewrite and BandRewrite) becomes a
/// ReadInput of that region, so a stage that starts at the input holds only the rows or the
/// patch it works on; any other reader (a layer run whole) reads one ReadInput of the whole
/// frame, which then sits in the arena like any activation.
///
/// Runs on the scheduled graph, before the execution order and the memory plan.
public enum InputStreaming {
    /// The graph with its input streamed, and the positions of the whole-frame reads it
    /// added (the replaced Slices keep their positions).
    public static func apply(_ graph: Graph) throws -> (graph: Graph, added: [Int]) {
        let input = try streamedInput(graph)
        let x = input.type.shape
        let (rowAxis, colAxis) = axes(input)
        var g = graph
        var nodes: [Node] = [], added: [Int] = []
        let frame = Self.uniqueName("\(input.name)@frame", in: graph)
        var frameRead = false
        for node in graph.nodes {
            guard node.inputs.contains(input.name) else {
                nodes.append(node)
                continue
            }
            if node.op == .slice, node.inputs[0] == input.name, let region = try regionSlice(node, graph, rowAxis: rowAxis, colAxis: colAxis) {
                nodes.append(Node(name: node.name, op: .readInput, inputs: [input.name], outputs: node.outputs,
                                  attributes: ["offsets": .ints(region.offsets), "shape": .ints(region.shape)]))
                continue
            }
            if !frameRead {
                added.append(nodes.count)
                nodes.append(Node(name: frame, op: .readInput, inputs: [input.name], outputs: [frame],
                                  attributes: ["offsets": .ints([Int](repeating: 0, count: x.count)), "shape": .ints(x)]))
                frameRead = true
            }
            var n = node
            n.inputs = node.inputs.map { $0 == input.name ? frame : $0 }
            nodes.append(n)
        }
        g.nodes = nodes
        // Slices' starts/ends/axes constants no longer read by anything are dropped.
        let before = Set(graph.nodes.flatMap(\.inputs)), after = Set(nodes.flatMap(\.inputs))
        g.constants = g.constants.filter { !before.contains($0.key) || after.contains($0.key) }
        return (try ShapeInference.run(g), added)
    }

    /// The input a streamed compilation pulls: the only one, a 4-D image of batch 1.
    static func streamedInput(_ graph: Graph) throws -> GraphInput {
        guard graph.inputs.count == 1, let input = graph.inputs.first else {
            throw TesseraError.usage("--input streamed needs a model with one input; \"\(graph.name)\" has \(graph.inputs.count)")
        }
        let x = input.type.shape
        guard x.count == 4, x[0] == 1 else {
            throw TesseraError.usage("--input streamed needs a 4-D image input of batch 1; \"\(input.name)\" is \(shapeText(x))")
        }
        return input
    }

    /// The row and column axes of the input as the API takes it.
    static func axes(_ input: GraphInput) -> (row: Int, col: Int) { input.layout == .nhwc ? (1, 2) : (2, 3) }

    /// The rectangle a Slice of the input takes, when it is one: steps of 1, every axis but
    /// the rows and the columns whole.
    private static func regionSlice(_ node: Node, _ graph: Graph, rowAxis: Int, colAxis: Int) throws -> (offsets: [Int], shape: [Int])? {
        guard case let .copy(s, nil) = try NodeSpec.of(node, in: graph), let x = graph.types[node.inputs[0]]?.shape else { return nil }
        let strides = StridedCopySpec.denseStrides(x)
        guard s.inputStrides == strides, s.outputShape.allSatisfy({ $0 > 0 }) else { return nil }
        for d in x.indices where d != rowAxis && d != colAxis && s.outputShape[d] != x[d] { return nil }
        var offsets = [Int](repeating: 0, count: x.count)
        offsets[rowAxis] = s.inputOffset / strides[rowAxis]
        offsets[colAxis] = (s.inputOffset % strides[rowAxis]) / strides[colAxis]
        // The decomposition must give back the offset (it does for full channel axes).
        guard zip(offsets, strides).map({ $0 * $1 }).reduce(0, +) == s.inputOffset else { return nil }
        return (offsets, s.outputShape)
    }

    private static func uniqueName(_ base: String, in graph: Graph) -> String {
        var name = base, k = 1
        while graph.types[name] != nil || graph.constants[name] != nil || graph.nodes.contains(where: { $0.name == name }) {
            name = "\(base)\(k)"
            k += 1
        }
        return name
    }
}
