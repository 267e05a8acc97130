import Foundation
@testable import Tessera

/// Builds ONNX models in tests with the generated protobuf types.
struct ONNXBuilder {
    var model = Onnx_ModelProto()

    init(opset: Int, name: String = "g") {
        model.irVersion = 7
        var o = Onnx_OperatorSetIdProto()
        o.version = Int64(opset)
        model.opsetImport = [o]
        model.graph.name = name
        model.producerName = "tests"
    }

    /// A float32 graph input; a nil dimension is symbolic ("N").
    mutating func input(_ name: String, _ dims: [Int?]) {
        var v = Onnx_ValueInfoProto()
        v.name = name
        v.type.tensorType.elemType = 1
        v.type.tensorType.shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let d { dim.dimValue = Int64(d) } else { dim.dimParam = "N" }
            return dim
        }
        model.graph.input.append(v)
    }

    mutating func output(_ name: String) {
        var v = Onnx_ValueInfoProto()
        v.name = name
        model.graph.output.append(v)
    }

    static func tensor(_ name: String, _ shape: [Int], floats: [Float]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = shape.map(Int64.init)
        t.dataType = 1
        t.floatData = floats
        return t
    }

    static func tensor(_ name: String, _ shape: [Int], ints: [Int64]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = shape.map(Int64.init)
        t.dataType = 7
        var raw = Data()
        for v in ints { withUnsafeBytes(of: v.littleEndian) { raw.append(contentsOf: $0) } }
        t.rawData = raw
        return t
    }

    /// A float tensor whose data lives in `file` next to the model (ONNX external data).
    static func external(_ name: String, _ shape: [Int], file: String) -> Onnx_TensorProto {
        var t = tensor(name, shape, floats: [])
        t.dataLocation = .external
        var location = Onnx_StringStringEntryProto()
        location.key = "location"
        location.value = file
        t.externalData = [location]
        return t
    }

    mutating func initializer(_ t: Onnx_TensorProto) { model.graph.initializer.append(t) }

    mutating func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String = "", _ attributes: [Onnx_AttributeProto] = []) {
        var n = Onnx_NodeProto()
        n.opType = op
        n.input = inputs
        n.output = outputs
        n.name = name
        n.attribute = attributes
        model.graph.node.append(n)
    }

    static func attr(_ name: String, _ i: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(i)
        return a
    }

    static func attr(_ name: String, _ f: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = f
        return a
    }

    static func attr(_ name: String, ints: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = ints.map(Int64.init)
        return a
    }

    static func attr(_ name: String, floats: [Float]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .floats
        a.floats = floats
        return a
    }

    static func attr(_ name: String, string: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .string
        a.s = Data(string.utf8)
        return a
    }

    static func attr(_ name: String, tensor: Onnx_TensorProto) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .tensor
        a.t = tensor
        return a
    }

    /// Writes the model into `directory` and imports it.
    func load(in directory: String, file: String = "model.onnx") throws -> ONNXImporter.Result {
        let path = directory + "/" + file
        try model.serializedData().write(to: URL(fileURLWithPath: path))
        return try ONNXImporter.load(path: path)
    }
}
