import Foundation
import SwiftProtobuf

/// Writes a model-file graph (the front end's, before any pass) as an ONNX model, so that
/// another runtime (onnxruntime, in the differential test) can compute the same model
/// independently of Tessera's op semantics.
///
/// The export is at one fixed opset, 20: the first that has every op of the model format
/// natively (Gelu is opset 20, AveragePool's dilations opset 19), so nothing is rewritten
/// into other ops. Ops and attributes are ONNX's already; what differs is the form some
/// operands take at opset 20, and the exporter converts those:
/// - Clip's min and max, Dropout's ratio, Squeeze/Unsqueeze/Reduce* axes and Split's sizes
///   are inputs (the model format also accepts them as attributes);
/// - integer operands (Reshape's shape, Slice's starts/ends/axes/steps, Pad's pads and
///   axes, Split's sizes, the axes, Resize's sizes) are int64 tensors, and scalar operands
///   (Clip's bounds, Pad's constant_value, Dropout's ratio) have shape [];
/// - Concat's axis is required (the model format defaults it to 1), and Split without sizes
///   states num_outputs.
/// Float16 constants (widened to float32 on load) are written as float32. Internal ops
/// (ChannelAffine, Convert) and the passes' own attributes (fused activations, data_layout)
/// have no ONNX form: the exporter refuses them with `TesseraError.unsupported`.
public enum ONNXExporter {
    public static let opset = 20
    static let irVersion: Int64 = 9

    /// The serialized ONNX model of `graph`.
    public static func data(_ graph: Graph) throws -> Data {
        do {
            return try model(graph).serializedData()
        } catch let e as TesseraError {
            throw e
        } catch {
            throw TesseraError.internalError("cannot serialize the ONNX model of \"\(graph.name)\": \(error)")
        }
    }

    /// Writes the ONNX model of `graph` to `path`.
    public static func write(_ graph: Graph, to path: String) throws {
        let bytes = try data(graph)
        do {
            try bytes.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TesseraError.io(path: path, message: "cannot write the ONNX model (\(error.localizedDescription))")
        }
    }

    static func model(_ graph: Graph) throws -> Onnx_ModelProto {
        var export = Export(graph)
        try export.run()
        var model = Onnx_ModelProto()
        model.irVersion = irVersion
        model.producerName = "tessera"
        model.producerVersion = Tessera.version
        var o = Onnx_OperatorSetIdProto()
        o.domain = ""
        o.version = Int64(opset)
        model.opsetImport = [o]
        model.graph = export.proto
        return model
    }
}

/// The state of one export.
private struct Export {
    let graph: Graph
    var proto = Onnx_GraphProto()
    /// Every name in use (tensors and nodes), for the initializers the export adds.
    var taken: Set<String>
    /// (constant, form) -> the initializer holding the constant in that form.
    var converted: [String: String] = [:]

    enum Form: String { case int64, floatScalar = "scalar", boolScalar = "bool" }

    init(_ graph: Graph) {
        self.graph = graph
        var taken = Set(graph.inputs.map(\.name)).union(graph.constants.keys)
        for n in graph.nodes {
            taken.formUnion(n.outputs)
            taken.insert(n.name)
        }
        self.taken = taken
    }

    mutating func run() throws {
        proto.name = graph.name
        proto.docString = graph.doc
        for input in graph.inputs { proto.input.append(Self.valueInfo(input.name, input.type.shape)) }
        for c in graph.constants.values {
            switch c.data {
            case let .float(v): proto.initializer.append(Self.floats(c.name, c.type.shape, v))
            case let .int64(v): proto.initializer.append(Self.int64s(c.name, c.type.shape, v))
            }
        }
        for node in graph.nodes { proto.node.append(try self.node(node)) }
        for output in graph.outputs {
            proto.output.append(Self.valueInfo(output, try graph.type(of: output).shape))
        }
    }

    // MARK: Nodes

    mutating func node(_ node: Node) throws -> Onnx_NodeProto {
        guard !node.op.isInternal else {
            throw TesseraError.unsupported(location: node.location, message: "\(node.op.name) is internal to Tessera (passes create it) and has no ONNX form; export the graph before the passes")
        }
        let tessera = Set(Op.fusionAttributes.keys).union([Op.layoutAttribute])
        if let bad = node.attributes.keys.first(where: tessera.contains) {
            throw TesseraError.unsupported(location: node.location, message: "attribute \"\(bad)\" is Tessera's own (passes set it) and has no ONNX form; export the graph before the passes")
        }
        var attributes = node.attributes
        var inputs = node.inputs
        func input(_ i: Int) -> String { i < inputs.count ? inputs[i] : "" }
        func setInput(_ i: Int, _ name: String) {
            while inputs.count <= i { inputs.append("") }
            inputs[i] = name
        }
        /// An operand that the model format takes as an attribute or an input, an input at
        /// opset 20.
        /// True when it was an attribute (the input is then an initializer of the export).
        @discardableResult
        func attributeToInput(_ attribute: String, at i: Int, _ make: (AttributeValue) throws -> String) rethrows -> Bool {
            guard let value = attributes.removeValue(forKey: attribute) else { return false }
            setInput(i, try make(value))
            return true
        }
        switch node.op {
        case .clip:
            for (k, bound) in [(1, "min"), (2, "max")] {
                let made = try attributeToInput(bound, at: k) { v in addFloats("\(node.name)_\(bound)", [], [Float(try number(v, node, bound))]) }
                if !made && !input(k).isEmpty { setInput(k, try convert(input(k), .floatScalar, node)) }
            }
        case .reduceMean, .reduceSum, .reduceMax, .reduceMin, .squeeze, .unsqueeze:
            let made = try attributeToInput("axes", at: 1) { v in addInt64s("\(node.name)_axes", try integers(v, node, "axes")) }
            if !made && !input(1).isEmpty { setInput(1, try convert(input(1), .int64, node)) }
        case .split:
            let made = try attributeToInput("split", at: 1) { v in addInt64s("\(node.name)_split", try integers(v, node, "split")) }
            if !made && !input(1).isEmpty {
                setInput(1, try convert(input(1), .int64, node))
            }
            if !input(1).isEmpty {
                attributes["num_outputs"] = nil  // ONNX allows one of the two; the sizes decide
            } else if attributes["num_outputs"] == nil {
                attributes["num_outputs"] = .int(node.outputs.count)
            }
        case .slice:
            for k in 1..<inputs.count where !input(k).isEmpty { setInput(k, try convert(input(k), .int64, node)) }
        case .pad:
            for k in [1, 3] where !input(k).isEmpty { setInput(k, try convert(input(k), .int64, node)) }
            if !input(2).isEmpty { setInput(2, try convert(input(2), .floatScalar, node)) }
        case .resize:
            // An empty scales or sizes tensor means "not given": ONNX writes that as "".
            for k in [1, 2, 3] where !input(k).isEmpty && graph.constants[input(k)]?.type.elementCount == 0 { setInput(k, "") }
            if !input(3).isEmpty { setInput(3, try convert(input(3), .int64, node)) }
        case .reshape:
            setInput(1, try convert(input(1), .int64, node))
        case .dropout:
            let made = try attributeToInput("ratio", at: 1) { v in addFloats("\(node.name)_ratio", [], [Float(try number(v, node, "ratio"))]) }
            if !made && !input(1).isEmpty { setInput(1, try convert(input(1), .floatScalar, node)) }
            if !input(2).isEmpty { setInput(2, try convert(input(2), .boolScalar, node)) }
        case .concat:
            if attributes["axis"] == nil { attributes["axis"] = .int(1) }
        default:
            break
        }
        while inputs.last == "" { inputs.removeLast() }
        var n = Onnx_NodeProto()
        n.name = node.name
        n.opType = node.op.name
        n.input = inputs
        n.output = node.outputs
        n.attribute = attributes.map { Self.attribute($0.key, $0.value) }
        return n
    }

    func number(_ v: AttributeValue, _ node: Node, _ name: String) throws -> Double {
        switch v {
        case let .float(x): return x
        case let .int(x): return Double(x)
        default: throw AttributeReader(node).fail("attribute \"\(name)\" must be a number, got \(v)")
        }
    }

    func integers(_ v: AttributeValue, _ node: Node, _ name: String) throws -> [Int] {
        switch v {
        case let .ints(x): return x
        case let .int(x): return [x]
        default: throw AttributeReader(node).fail("attribute \"\(name)\" must be a list of integers, got \(v)")
        }
    }

    /// The constant `name` as an initializer of `form`: itself when it already has that
    /// form, else a converted copy (made once).
    mutating func convert(_ name: String, _ form: Form, _ node: Node) throws -> String {
        guard let c = graph.constants[name] else {
            throw TesseraError.unsupported(location: node.location, message: "input \"\(name)\" of \(node.op.name) must be a constant to be exported")
        }
        switch (form, c.data) {
        case (.int64, .int64): return name
        case (.floatScalar, .float) where c.type.shape.isEmpty: return name
        default: break
        }
        if let done = converted["\(name)#\(form.rawValue)"] { return done }
        let made: String
        switch form {
        case .int64:
            guard let v = c.integers else { throw AttributeReader(node).fail("constant \"\(name)\" must hold integers") }
            made = add(Self.int64s(fresh("\(name)_int64"), c.type.shape, v.map { Int64($0) }))
        case .floatScalar:
            guard c.type.elementCount == 1 else { throw AttributeReader(node).fail("constant \"\(name)\" must be a scalar") }
            let v: Float = switch c.data {
            case let .float(x): x[0]
            case let .int64(x): Float(x[0])
            }
            made = add(Self.floats(fresh("\(name)_scalar"), [], [v]))
        case .boolScalar:
            guard c.type.elementCount == 1 else { throw AttributeReader(node).fail("constant \"\(name)\" must be a scalar") }
            let on: Bool = switch c.data {
            case let .float(x): x[0] != 0
            case let .int64(x): x[0] != 0
            }
            var t = Onnx_TensorProto()
            t.name = fresh("\(name)_bool")
            t.dataType = Int32(Onnx_TensorProto.DataType.bool.rawValue)
            t.rawData = Data([on ? 1 : 0])
            made = add(t)
        }
        converted["\(name)#\(form.rawValue)"] = made
        return made
    }

    mutating func fresh(_ base: String) -> String {
        var name = base, k = 2
        while taken.contains(name) {
            name = "\(base)_\(k)"
            k += 1
        }
        taken.insert(name)
        return name
    }

    mutating func add(_ t: Onnx_TensorProto) -> String {
        proto.initializer.append(t)
        return t.name
    }

    mutating func addFloats(_ base: String, _ shape: [Int], _ v: [Float]) -> String { add(Self.floats(fresh(base), shape, v)) }

    mutating func addInt64s(_ base: String, _ v: [Int]) -> String { add(Self.int64s(fresh(base), [v.count], v.map { Int64($0) })) }

    // MARK: Protobuf values

    static func valueInfo(_ name: String, _ shape: [Int]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        v.type.tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        v.type.tensorType.shape.dim = shape.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = Int64(d)
            return dim
        }
        return v
    }

    static func floats(_ name: String, _ shape: [Int], _ values: [Float]) -> Onnx_TensorProto {
        tensor(name, shape, .float, values.map(\.bitPattern))
    }

    static func int64s(_ name: String, _ shape: [Int], _ values: [Int64]) -> Onnx_TensorProto {
        tensor(name, shape, .int64, values)
    }

    /// A tensor whose data are `words` in little-endian `raw_data` (the bits of each value).
    private static func tensor<W: FixedWidthInteger>(_ name: String, _ shape: [Int], _ type: Onnx_TensorProto.DataType,
                                                     _ words: [W]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = shape.map(Int64.init)
        t.dataType = Int32(type.rawValue)
        var raw = Data(capacity: words.count * MemoryLayout<W>.size)
        for w in words { withUnsafeBytes(of: w.littleEndian) { raw.append(contentsOf: $0) } }
        t.rawData = raw
        return t
    }

    static func attribute(_ name: String, _ value: AttributeValue) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        switch value {
        case let .int(v):
            a.type = .int
            a.i = Int64(v)
        case let .float(v):
            a.type = .float
            a.f = Float(v)
        case let .string(v):
            a.type = .string
            a.s = Data(v.utf8)
        case let .ints(v):
            a.type = .ints
            a.ints = v.map(Int64.init)
        case let .floats(v):
            a.type = .floats
            a.floats = v.map { Float($0) }
        }
        return a
    }
}
