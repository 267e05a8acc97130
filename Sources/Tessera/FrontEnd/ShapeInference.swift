/// Infers the type of every tensor, node by node in topological order, checking each
/// node's operands and attributes on the way (see `NodeSpec`).
public enum ShapeInference {
    public static func run(_ graph: Graph) throws -> Graph {
        var g = graph
        var types: [String: TensorType] = [:]
        for input in g.inputs { types[input.name] = input.type }
        for (name, c) in g.constants { types[name] = c.type }
        var ctx = SpecContext(types: types, constants: g.constants)
        for node in g.nodes {
            for (name, type) in try outputTypes(node, ctx) { ctx.types[name] = type }
        }
        let masks = g.nodes.filter { $0.op == .dropout && $0.outputs.count == 2 }
        let consumers = masks.isEmpty ? [:] : g.consumers()
        for masked in masks {
            let mask = masked.outputs[1]
            if consumers[mask] != nil || g.outputs.contains(mask) {
                throw TesseraError.unsupported(location: masked.location, message: "the Dropout mask output \"\(mask)\" is used; only inference (no mask) is supported")
            }
        }
        g.types = ctx.types
        return g
    }

    /// The types of `node`'s outputs, given the types so far in `ctx`, checking its operands
    /// and attributes (NodeSpec) and that every output has between 1 and
    /// `maxTensorElements` elements. The ONNX importer infers node by node with this too.
    static func outputTypes(_ node: Node, _ ctx: SpecContext) throws -> [(String, TensorType)] {
        for (k, input) in node.inputs.enumerated() where !input.isEmpty && !node.op.constantInputs.contains(k) {
            if let t = ctx.types[input], t.elementCount == 0 {
                throw TesseraError.unsupported(location: node.location, message: "input \"\(input)\" is empty (shape \(shapeText(t.shape))); zero-sized tensors are not supported")
            }
        }
        let spec = try NodeSpec.make(node, ctx)
        let dtype = spec.outputDType(input: ctx.types[node.inputs[0]]?.dtype ?? .float32)
        var out: [(String, TensorType)] = []
        for (k, shape) in spec.outputShapes.enumerated() {
            guard checkedElementCount(shape) != nil else {
                throw TesseraError.invalidModel(location: node.location, message: "output shape \(shapeText(shape)) has more than \(maxTensorElements) elements (its size overflows)")
            }
            guard shape.allSatisfy({ $0 > 0 }) else {
                throw TesseraError.unsupported(location: node.location, message: "output shape \(shapeText(shape)) is empty; zero-sized tensors are not supported")
            }
            out.append((node.outputs[k], TensorType(shape, dtype)))
        }
        if node.op == .dropout && node.outputs.count == 2 {
            // The mask output exists only in training; nothing may read it.
            out.append((node.outputs[1], TensorType(spec.outputShape, dtype)))
        }
        return out
    }

    /// Checks the output shapes and dtypes the model file declares against inference.
    public static func checkDeclaredOutputs(_ graph: Graph, _ declared: [Int: (shape: [Int]?, dtype: DType?)]) throws {
        for (i, name) in graph.outputs.enumerated() {
            guard let d = declared[i], let t = graph.types[name] else { continue }
            if let shape = d.shape, shape != t.shape {
                throw TesseraError.invalidModel(location: place("outputs", i, name), message: "declared shape \(shapeText(shape)) but the graph computes \(shapeText(t.shape))")
            }
            if let dtype = d.dtype, dtype != t.dtype {
                throw TesseraError.unsupported(location: place("outputs", i, name), message: "declared dtype \(dtype.rawValue) but the graph computes \(t.dtype.rawValue)")
            }
        }
    }
}
