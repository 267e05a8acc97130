/// The structural checks of model JSON (GraphStructure), run on an ONNX graph before any
/// node is imported: tensor names unique, every node input produced, the inputs an op
/// requires present, input and output counts right, no cycle. They give the JSON loader's
/// messages (`nodes[3] "add": Add takes 2 inputs, got 1`), so the node import after them
/// never meets a tensor that does not exist.
enum ONNXStructure {
    /// An ONNX node as the structural checks see it.
    struct View: StructuralNode {
        let proto: Onnx_NodeProto
        let name: String
        let index: Int
        var location: String { place("nodes", index, name) }
        var inputs: [String] { proto.input }
        var outputs: [String] { proto.output }
    }

    /// The nodes with unique names (an empty name becomes `<op>_<index>`, a repeated one
    /// gains `_<index>`), in file order.
    static func views(_ graph: Onnx_GraphProto) -> [View] {
        var taken = Set<String>()
        return graph.node.enumerated().map { i, proto in
            var name = proto.name.isEmpty ? "\(proto.opType)_\(i)" : proto.name
            while taken.contains(name) { name = "\(name)_\(i)" }
            taken.insert(name)
            return View(proto: proto, name: name, index: i)
        }
    }

    /// Checks the graph and returns the order to import its nodes in (a stable
    /// topological order: a file in order keeps it).
    static func check(_ graph: Onnx_GraphProto, _ views: [View], opset: Int, file: String) throws -> [Int] {
        // What model JSON requires of its inputs, outputs and nodes lists.
        let initializers = Set(graph.initializer.map(\.name))
        guard graph.input.contains(where: { !initializers.contains($0.name) }) else {
            throw TesseraError.invalidModel(location: file, message: "the graph has no inputs (graph.input lists none but initializers)")
        }
        guard !graph.output.isEmpty else { throw TesseraError.invalidModel(location: file, message: "the graph has no outputs") }
        guard !graph.node.isEmpty else { throw TesseraError.invalidModel(location: file, message: "graph is empty: it has no nodes") }
        var producers: [String: GraphStructure.Producer] = [:]
        var initializerIndex: [String: Int] = [:]
        var inputIndex: [String: Int] = [:]
        func describe(_ p: GraphStructure.Producer) -> String {
            switch p {
            case let .input(i): return place("graph.input", i, graph.input[i].name)
            case let .constant(name): return place("initializer", initializerIndex[name] ?? 0, name)
            case let .node(i): return views[i].location
            }
        }
        for (i, t) in graph.initializer.enumerated() {
            let at = place("initializer", i, t.name)
            guard !t.name.isEmpty else { throw TesseraError.invalidModel(location: at, message: "the tensor name must not be empty") }
            if let other = producers[t.name] {
                throw TesseraError.invalidModel(location: at, message: "duplicate tensor name (also \(describe(other)))")
            }
            producers[t.name] = .constant(t.name)
            initializerIndex[t.name] = i
        }
        for (i, v) in graph.input.enumerated() where initializerIndex[v.name] == nil {
            let at = place("graph.input", i, v.name)
            guard !v.name.isEmpty else { throw TesseraError.invalidModel(location: at, message: "the tensor name must not be empty") }
            if inputIndex[v.name] != nil {
                throw TesseraError.invalidModel(location: at, message: "duplicate tensor name (also \(place("graph.input", inputIndex[v.name]!, v.name)))")
            }
            producers[v.name] = .input(i)
            inputIndex[v.name] = i
        }
        try GraphStructure.addOutputs(of: views, to: &producers, optionalOutputs: true, describe: describe)
        for view in views {
            let op = view.proto.opType
            let known = view.proto.domain.isEmpty || view.proto.domain == "ai.onnx" ? arity(op, opset: opset) : nil
            if let known { try GraphStructure.checkArity(view, op, inputs: known.inputs, outputs: known.outputs) }
            try GraphStructure.checkInputs(view, op, required: known?.inputs.lowerBound ?? 0) { producers[$0] }
        }
        return try GraphStructure.topologicalOrder(views, producers)
    }

    /// Input and output counts of the ONNX ops the importer folds or maps, at `opset`; nil
    /// for any other op (the importer reports those as unsupported). Ops that map straight
    /// onto a Tessera op take its counts.
    static func arity(_ op: String, opset: Int) -> (inputs: ClosedRange<Int>, outputs: ClosedRange<Int>)? {
        let many = Int.max
        switch op {
        case "Constant": return (0...0, 1...1)
        case "Shape", "Size", "Identity", "Cast", "ConstantOfShape": return (1...1, 1...1)
        case "Gather", "Expand", "Equal": return (2...2, 1...1)
        case "Where", "Range": return (3...3, 1...1)
        case "ReduceProd": return (1...2, 1...1)
        case "Sum", "Max", "Min", "Concat": return (1...many, 1...1)
        case "Upsample": return (1...2, 1...1)
        case "Resize" where opset < 11: return (1...2, 1...1)
        case "Slice" where opset < 10, "Pad" where opset < 11: return (1...1, 1...1)
        case "BatchNormalization": return (5...5, 1...5)
        case "MaxPool": return (1...1, 1...2)
        default:
            guard let t = Op(rawValue: op), !t.isInternal else { return nil }
            return (t.inputArity, t.outputArity)
        }
    }
}
