import Foundation
import OrderedCollections
import SwiftProtobuf

/// Imports an ONNX model (opsets 6 to 21, `supportedOpsets`) into Tessera's IR:
/// initializers and Constant nodes become constants, shape arithmetic folds, opset
/// differences are mapped onto the one form Tessera's ops take. The graph first goes
/// through the structural checks of model JSON (ONNXStructure). An unsupported model gets
/// one error listing every unsupported op with its nodes.
public enum ONNXImporter {
    /// Opsets 9 to 21 are the target; 6 to 8 (PyTorch's older exports, ONNX's own
    /// conformance models) are mapped too, legacy broadcasting included.
    public static let supportedOpsets = 6...21

    public struct Result: Sendable {
        public var graph: Graph
        /// What the importer changed or assumed (symbolic batch set to 1, ...).
        public var notes: [String]
    }

    public static func load(path: String) throws -> Result {
        try load(data: try ModelFile.read(path), file: path)
    }

    /// Imports the ONNX model `data` read from `file` (which names the model; external
    /// data files are looked up next to it).
    public static func load(data: Data, file: String) throws -> Result {
        let model = try decode(data, file: file)
        let url = URL(fileURLWithPath: file)
        var importer = try ONNXGraphImport(model: model, file: file, directory: url.deletingLastPathComponent())
        return try importer.run()
    }

    /// `graph` as model JSON text, the import notes in its doc: what `tessera import` writes.
    public static func modelJSON(_ result: Result) -> String {
        JSONWriter.write(ModelWriter.json(result.graph, notes: result.notes))
    }

    static func decode(_ data: Data, file: String) throws -> Onnx_ModelProto {
        guard !data.isEmpty else { throw TesseraError.invalidModel(location: file, message: "empty file, not an ONNX model") }
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: data)
        } catch let error as BinaryDecodingError {
            let reason: String
            switch error {
            case .truncated: reason = "the protobuf data is truncated (the file ends inside a field)"
            case .invalidUTF8: reason = "a string in the protobuf data is not valid UTF-8"
            case .messageDepthLimit: reason = "the protobuf messages are nested too deeply"
            default: reason = "the protobuf data is corrupt"
            }
            throw TesseraError.invalidModel(location: file, message: "not a valid ONNX model: \(reason)")
        } catch {
            throw TesseraError.invalidModel(location: file, message: "not a valid ONNX model: the protobuf data is corrupt")
        }
        // Protobuf reads many byte strings as a message of unknown fields: an ONNX model
        // has at least a graph or an opset.
        guard model.hasGraph || !model.opsetImport.isEmpty else {
            throw TesseraError.invalidModel(location: file, message: "not a valid ONNX model: it has neither a graph nor an opset_import")
        }
        return model
    }
}

/// The state of one import.
struct ONNXGraphImport {
    let model: Onnx_ModelProto
    let file: String
    let directory: URL
    let opset: Int
    var graph: Graph
    var types: [String: TensorType] = [:]
    var notes: [String] = []
    /// op type -> names of the nodes that use it, for the single unsupported-ops error.
    var unsupported = OrderedDictionary<String, [String]>()
    /// Tensors downstream of an unsupported node: their types are unknown.
    var unknown = Set<String>()
    /// Tensor names that some node or graph output reads.
    let readTensors: Set<String>
    /// Every name of the ONNX file and those the import made: new names never collide
    /// with one a later node uses.
    var names = NameTable(names: [])
    /// The most values a constant folded at import (ConstantOfShape) may hold: 64 MB of
    /// float32, far beyond any microcontroller's flash.
    static let maxFoldedElements = 1 << 24

    init(model: Onnx_ModelProto, file: String, directory: URL) throws {
        self.model = model
        self.file = file
        self.directory = directory
        readTensors = Set(model.graph.node.flatMap(\.input)).union(model.graph.output.map(\.name))
        let domains = model.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        guard let declared = domains.map(\.version).max() else {
            throw TesseraError.invalidModel(location: file, message: "the model declares no ONNX opset (opset_import has no entry for the default domain)")
        }
        let version = Int(declared)
        guard ONNXImporter.supportedOpsets.contains(version) else {
            throw TesseraError.unsupported(location: file, message: "ONNX opset \(version) is not supported (supported: \(ONNXImporter.supportedOpsets.lowerBound) to \(ONNXImporter.supportedOpsets.upperBound)); convert it with onnx.version_converter")
        }
        opset = version
        // The file name names the model (C symbols, file names); the ONNX graph name, often
        // an exporter's placeholder, goes into the doc.
        let base = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let doc = "Imported from \(URL(fileURLWithPath: file).lastPathComponent) (ONNX opset \(version), graph \"\(model.graph.name)\", producer \(model.producerName) \(model.producerVersion))."
        graph = Graph(name: ONNXGraphImport.identifier(base), doc: doc, inputs: [], outputs: [], constants: [:], nodes: [])
    }

    static func identifier(_ s: String) -> String {
        var out = String(s.unicodeScalars.map { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) ? Character($0) : "_" })
        if out.isEmpty || out.first!.isNumber { out = "m_" + out }
        return out
    }

    mutating func run() throws -> ONNXImporter.Result {
        let g = model.graph
        // The structure first, so that importing a node never meets a missing tensor.
        let views = ONNXStructure.views(g)
        let order = try ONNXStructure.check(g, views, opset: opset, file: file)
        names = NameTable(names: views.flatMap { [$0.name] + $0.inputs + $0.outputs } + g.initializer.map(\.name)
                                 + g.input.map(\.name) + g.output.map(\.name))
        for (i, t) in g.initializer.enumerated() {
            let c = try ONNXTensors.constant(t, name: t.name, directory: directory, at: place("initializer", i, t.name))
            if t.dataLocation == .external { noteOnce("external data loaded from \(t.externalData.first { $0.key == "location" }?.value ?? "?")") }
            addConstant(c)
        }
        for (i, input) in g.input.enumerated() where graph.constants[input.name] == nil {
            try addInput(input, i)
        }
        for i in order { try importNode(views[i]) }
        if !unsupported.isEmpty {
            let list = unsupported.map { op, nodes in
                "\(op) (\(nodes.prefix(5).map { "\"\($0)\"" }.joined(separator: ", "))\(nodes.count > 5 ? ", and \(nodes.count - 5) more" : ""))"
            }
            throw TesseraError.unsupported(location: file, message: "unsupported ONNX ops: " + list.joined(separator: "; "))
        }
        for (i, output) in g.output.enumerated() {
            guard graph.constants[output.name] == nil else {
                throw TesseraError.unsupported(location: place("graph.output", i, output.name), message: "the output is a constant; nothing to compute")
            }
            graph.outputs.append(output.name)
        }
        graph = try ShapeInference.run(try GraphStructure.ordered(graph))
        graph = try ShapeInference.run(try DeadCodeElimination.run(graph))
        return ONNXImporter.Result(graph: graph, notes: notes)
    }

    mutating func noteOnce(_ note: String) {
        if !notes.contains(note) { notes.append(note) }
    }

    mutating func addConstant(_ c: Constant) {
        graph.constants[c.name] = c
        types[c.name] = c.type
    }

    mutating func addInput(_ input: Onnx_ValueInfoProto, _ i: Int) throws {
        let at = place("graph.input", i, input.name)
        let tensor = input.type.tensorType
        guard tensor.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            throw TesseraError.unsupported(location: at, message: "input element type \(tensor.elemType) is not supported (float32 only)")
        }
        guard tensor.shape.dim.count <= ONNXTensors.maxRank else {
            throw TesseraError.unsupported(location: at, message: "rank \(tensor.shape.dim.count) is above the supported maximum of \(ONNXTensors.maxRank)")
        }
        var shape: [Int] = []
        for (d, dim) in tensor.shape.dim.enumerated() {
            if case let .dimValue(v)? = dim.value, v > 0 {
                shape.append(Int(v))
            } else if d == 0 {
                let what: String = if case let .dimParam(p)? = dim.value { "symbolic (\"\(p)\")" } else { "zero or unknown" }
                noteOnce("input \"\(input.name)\": \(what) batch dimension set to 1")
                shape.append(1)
            } else {
                throw TesseraError.unsupported(location: at, message: "dimension \(d) is not fixed; Tessera needs static shapes (only the batch dimension may be symbolic)")
            }
        }
        guard checkedElementCount(shape) != nil else {
            throw TesseraError.invalidModel(location: at, message: "shape \(shapeText(shape)) has too many elements")
        }
        graph.inputs.append(GraphInput(name: input.name, type: TensorType(shape)))
        types[input.name] = TensorType(shape)
    }
}
