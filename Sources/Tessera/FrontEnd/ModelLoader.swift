import Foundation
import OrderedCollections

/// Reads model JSON version 1 (see Docs/model-format.md) into an unverified `Graph`.
/// Only the document's structure and the values' types are checked here; names, graph
/// structure and shapes are checked by `TopologicalOrder` and `ShapeInference`.
public enum ModelLoader {
    public static let formatName = "tessera.model"
    public static let formatVersion = 1

    /// The declared output types, checked after shape inference.
    public struct Loaded {
        public var graph: Graph
        public var declaredOutputs: [Int: (shape: [Int]?, dtype: DType?)]
    }

    public static func load(path: String) throws -> Loaded {
        try load(data: try ModelFile.read(path), file: path)
    }

    public static func load(data: Data, file: String) throws -> Loaded {
        let json = try JSONParser.parse(data, file: file)
        return try load(json: json)
    }

    /// `irAttributes` also accepts the attributes only passes set (`data_layout`), for tests
    /// and tools that load IR dumps.
    public static func load(json: JSONValue, irAttributes: Bool = false) throws -> Loaded {
        guard let top = json.members else {
            throw TesseraError.invalidModel(location: "model", message: "the document must be a JSON object, got \(json.kindName)")
        }
        let known: Set<String> = ["format", "version", "name", "doc", "inputs", "outputs", "constants", "nodes"]
        for (key, _) in top where !known.contains(key) {
            throw TesseraError.invalidModel(location: "model", message: "unknown key \"\(key)\" (expected one of \(known.sorted().joined(separator: ", ")))")
        }
        guard json["format"]?.string == formatName else {
            throw TesseraError.invalidModel(location: "model", message: "\"format\" must be \"\(formatName)\"")
        }
        guard case let .int(version)? = json["version"] else {
            throw TesseraError.invalidModel(location: "model", message: "\"version\" must be the integer \(formatVersion)")
        }
        guard version == formatVersion else {
            throw TesseraError.unsupported(location: "model", message: "format version \(version) is not supported (this Tessera reads version \(formatVersion))")
        }
        guard let name = json["name"]?.string, isIdentifier(name) else {
            throw TesseraError.invalidModel(location: "model", message: "\"name\" must be a C-identifier-like string ([A-Za-z_][A-Za-z0-9_]*)")
        }
        let doc = json["doc"]?.string ?? ""

        let inputs = try list(json, "inputs", required: true).enumerated().map { i, v in try graphInput(v, i) }
        var declared: [Int: (shape: [Int]?, dtype: DType?)] = [:]
        var outputs: [String] = []
        for (i, v) in try list(json, "outputs", required: true).enumerated() {
            let loc = "outputs[\(i)]"
            let obj = try object(v, loc, allowed: ["name", "shape", "dtype"])
            let oname = try tensorName(obj, loc)
            let at = place("outputs", i, oname)
            let shape = try obj["shape"].map { try shapeValue($0, at, allowZero: true) }
            let dtype = try obj["dtype"].map { try dtypeValue($0, at) }
            declared[i] = (shape, dtype)
            outputs.append(oname)
        }
        var constants = OrderedDictionary<String, Constant>()
        for (i, v) in try list(json, "constants", required: false).enumerated() {
            let c = try constant(v, i)
            if constants[c.name] != nil {
                throw TesseraError.invalidModel(location: place("constants", i, c.name), message: "duplicate constant name")
            }
            constants[c.name] = c
        }
        let nodeValues = try list(json, "nodes", required: true)
        if nodeValues.isEmpty {
            throw TesseraError.invalidModel(location: "model", message: "graph is empty: \"nodes\" has no entries")
        }
        let nodes = try nodeValues.enumerated().map { i, v in try node(v, i, irAttributes: irAttributes) }
        let graph = Graph(name: name, doc: doc, inputs: inputs, outputs: outputs, constants: constants, nodes: nodes)
        return Loaded(graph: graph, declaredOutputs: declared)
    }

    // MARK: Pieces

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    private static func list(_ json: JSONValue, _ key: String, required: Bool) throws -> [JSONValue] {
        guard let v = json[key] else {
            if required { throw TesseraError.invalidModel(location: "model", message: "missing \"\(key)\"") }
            return []
        }
        guard let a = v.array else {
            throw TesseraError.invalidModel(location: "model", message: "\"\(key)\" must be an array, got \(v.kindName)")
        }
        if required && a.isEmpty && key != "nodes" {
            throw TesseraError.invalidModel(location: "model", message: "\"\(key)\" must not be empty")
        }
        return a
    }

    private static func object(_ v: JSONValue, _ loc: String, allowed: Set<String>) throws -> JSONValue {
        guard let members = v.members else {
            throw TesseraError.invalidModel(location: loc, message: "must be an object, got \(v.kindName)")
        }
        for (key, _) in members where !allowed.contains(key) {
            throw TesseraError.invalidModel(location: loc, message: "unknown key \"\(key)\" (expected one of \(allowed.sorted().joined(separator: ", ")))")
        }
        return v
    }

    private static func tensorName(_ obj: JSONValue, _ loc: String) throws -> String {
        guard let v = obj["name"] else { throw TesseraError.invalidModel(location: loc, message: "missing tensor name") }
        guard let s = v.string, !s.isEmpty else {
            throw TesseraError.invalidModel(location: loc, message: "\"name\" must be a non-empty string, got \(v.kindName == "a string" ? "\"\"" : v.kindName)")
        }
        return s
    }

    static func shapeValue(_ v: JSONValue, _ loc: String, allowZero: Bool) throws -> [Int] {
        guard let items = v.array else {
            throw TesseraError.invalidModel(location: loc, message: "\"shape\" must be an array of integers, got \(v.kindName)")
        }
        var shape: [Int] = []
        for item in items {
            guard case let .int(d) = item else {
                throw TesseraError.invalidModel(location: loc, message: "\"shape\" must hold integers, got \(item.kindName)")
            }
            guard d > 0 || (allowZero && d == 0) else {
                throw TesseraError.invalidModel(location: loc, message: "shape \(shapeText(items.compactMap { if case let .int(x) = $0 { return x } else { return nil } })) has a dimension \(d); dimensions must be \(allowZero ? "non-negative" : "positive")")
            }
            shape.append(d)
        }
        if shape.count > 8 {
            throw TesseraError.unsupported(location: loc, message: "rank \(shape.count) is above the supported maximum of 8")
        }
        guard checkedElementCount(shape) != nil else {
            throw TesseraError.invalidModel(location: loc, message: "shape \(shapeText(shape)) has more than \(maxTensorElements) elements (its size overflows)")
        }
        return shape
    }

    static func dtypeValue(_ v: JSONValue, _ loc: String) throws -> DType {
        guard let s = v.string else {
            throw TesseraError.invalidModel(location: loc, message: "\"dtype\" must be a string, got \(v.kindName)")
        }
        guard let d = DType(rawValue: s) else {
            throw TesseraError.unsupported(location: loc, message: "unsupported dtype \"\(s)\" (supported: \(DType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return d
    }

    private static func graphInput(_ v: JSONValue, _ i: Int) throws -> GraphInput {
        let loc = "inputs[\(i)]"
        let obj = try object(v, loc, allowed: ["name", "shape", "dtype"])
        let name = try tensorName(obj, loc)
        let at = place("inputs", i, name)
        guard let sv = obj["shape"] else { throw TesseraError.invalidModel(location: at, message: "missing \"shape\"") }
        let shape = try shapeValue(sv, at, allowZero: false)
        let dtype = try obj["dtype"].map { try dtypeValue($0, at) } ?? .float32
        guard dtype == .float32 else {
            throw TesseraError.unsupported(location: at, message: "unsupported dtype \"\(dtype.rawValue)\" for a graph input (supported: float32)")
        }
        return GraphInput(name: name, type: TensorType(shape, dtype))
    }

    private static func constant(_ v: JSONValue, _ i: Int) throws -> Constant {
        let loc = "constants[\(i)]"
        let obj = try object(v, loc, allowed: ["name", "shape", "dtype", "data", "data_base64"])
        let name = try tensorName(obj, loc)
        let at = place("constants", i, name)
        guard let sv = obj["shape"] else { throw TesseraError.invalidModel(location: at, message: "missing \"shape\"") }
        let shape = try shapeValue(sv, at, allowZero: true)
        guard let dv = obj["dtype"] else { throw TesseraError.invalidModel(location: at, message: "missing \"dtype\"") }
        let dtype = try dtypeValue(dv, at)
        let count = checkedElementCount(shape)!
        let data: ConstantData
        switch (obj["data"], obj["data_base64"]) {
        case let (inline?, nil):
            data = try inlineData(inline, dtype, at)
        case let (nil, encoded?):
            data = try base64Data(encoded, dtype, count, at)
        case (nil, nil):
            throw TesseraError.invalidModel(location: at, message: "needs \"data\" or \"data_base64\"")
        default:
            throw TesseraError.invalidModel(location: at, message: "has both \"data\" and \"data_base64\"; give one")
        }
        guard data.count == count else {
            throw TesseraError.invalidModel(location: at, message: "data has \(data.count) values but shape \(shapeText(shape)) needs \(count)")
        }
        if case let .float(values) = data, let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw TesseraError.invalidModel(location: at, message: "data[\(bad)] is not finite (\(values[bad]))")
        }
        return Constant(name: name, type: TensorType(shape, dtype == .float16 ? .float32 : dtype), data: data, sourceIndex: i)
    }

    private static func inlineData(_ v: JSONValue, _ dtype: DType, _ at: String) throws -> ConstantData {
        guard let items = v.array else {
            throw TesseraError.invalidModel(location: at, message: "\"data\" must be an array of numbers, got \(v.kindName)")
        }
        switch dtype {
        case .int64:
            var out = [Int64]()
            out.reserveCapacity(items.count)
            for (k, item) in items.enumerated() {
                guard case let .int(x) = item else {
                    throw TesseraError.invalidModel(location: at, message: "data[\(k)] must be an integer for an int64 constant, got \(item.kindName)")
                }
                out.append(Int64(x))
            }
            return .int64(out)
        case .float32, .float16:
            var out = [Float]()
            out.reserveCapacity(items.count)
            for (k, item) in items.enumerated() {
                guard let x = item.number else {
                    throw TesseraError.invalidModel(location: at, message: "data[\(k)] must be a number, got \(item.kindName)")
                }
                out.append(dtype == .float16 ? Float(Float16(Float(x))) : Float(x))
            }
            return .float(out)
        }
    }

    private static func base64Data(_ v: JSONValue, _ dtype: DType, _ count: Int, _ at: String) throws -> ConstantData {
        guard let s = v.string, let bytes = Data(base64Encoded: s) else {
            throw TesseraError.invalidModel(location: at, message: "\"data_base64\" is not valid base64")
        }
        guard bytes.count % dtype.byteSize == 0 else {
            throw TesseraError.invalidModel(location: at, message: "data_base64 holds \(bytes.count) bytes, not a multiple of \(dtype.byteSize) (\(dtype.rawValue))")
        }
        let raw = [UInt8](bytes)
        let n = raw.count / dtype.byteSize
        func word(_ k: Int, _ size: Int) -> UInt64 {
            var w: UInt64 = 0
            for b in 0..<size { w |= UInt64(raw[k * size + b]) << (8 * UInt64(b)) }
            return w
        }
        switch dtype {
        case .float32: return .float((0..<n).map { Float(bitPattern: UInt32(word($0, 4))) })
        case .float16: return .float((0..<n).map { Float(Float16(bitPattern: UInt16(word($0, 2)))) })
        case .int64: return .int64((0..<n).map { Int64(bitPattern: word($0, 8)) })
        }
    }

    private static func node(_ v: JSONValue, _ i: Int, irAttributes: Bool) throws -> Node {
        let loc = "nodes[\(i)]"
        let obj = try object(v, loc, allowed: ["name", "op", "inputs", "outputs", "attributes", "doc"])
        guard let nv = obj["name"] else { throw TesseraError.invalidModel(location: loc, message: "missing node name") }
        guard let name = nv.string, !name.isEmpty else {
            throw TesseraError.invalidModel(location: loc, message: "\"name\" must be a non-empty string")
        }
        let at = place("nodes", i, name)
        guard let opName = obj["op"]?.string else { throw TesseraError.invalidModel(location: at, message: "missing \"op\" (a string)") }
        guard let op = Op(rawValue: opName), !op.isInternal else {
            throw TesseraError.unsupported(location: at, message: "unknown op \"\(opName)\" (supported: \(Op.allCases.filter { !$0.isInternal }.map(\.rawValue).sorted().joined(separator: ", ")))")
        }
        func names(_ key: String) throws -> [String] {
            guard let a = obj[key]?.array else {
                throw TesseraError.invalidModel(location: at, message: "\"\(key)\" must be an array of tensor names")
            }
            return try a.map {
                guard let s = $0.string else {
                    throw TesseraError.invalidModel(location: at, message: "\"\(key)\" must hold strings, got \($0.kindName)")
                }
                return s
            }
        }
        let inputs = try names("inputs")
        let outputs = try names("outputs")
        var attributes = Attributes()
        if let av = obj["attributes"] {
            guard let members = av.members else {
                throw TesseraError.invalidModel(location: at, message: "\"attributes\" must be an object, got \(av.kindName)")
            }
            for (key, value) in members {
                attributes[key] = try attribute(key, value, op, at, irAttributes: irAttributes)
            }
        }
        return Node(name: name, op: op, inputs: inputs, outputs: outputs, attributes: attributes, sourceIndex: i)
    }

    /// `data_layout` in a model file (JSON or ONNX): only the layout pass sets it.
    static func layoutAttributeError(_ at: String) -> TesseraError {
        .invalidModel(location: at, message: "\"\(Op.layoutAttribute)\" is set only by Tessera's layout pass; model files are NCHW, as ONNX")
    }

    private static func attribute(_ key: String, _ v: JSONValue, _ op: Op, _ at: String, irAttributes: Bool) throws -> AttributeValue {
        if key == Op.layoutAttribute && !irAttributes { throw layoutAttributeError(at) }
        guard let kind = op.attributes[key] else {
            let known = op.attributes.keys.filter { Op.fusionAttributes[$0] == nil && $0 != Op.layoutAttribute }.sorted()
            let hint = known.isEmpty ? "it takes none" : "known: \(known.joined(separator: ", "))"
            throw TesseraError.invalidModel(location: at, message: "\(op.name) has no attribute \"\(key)\" (\(hint))")
        }
        func bad() -> TesseraError {
            .invalidModel(location: at, message: "attribute \"\(key)\" must be \(kind.noun), got \(JSONWriter.write(v, pretty: false))")
        }
        func checkedInt(_ x: Int) throws -> Int {
            guard AttributeLimits.intRange.contains(x) else { throw AttributeLimits.outOfRange(key, x, at: at) }
            return x
        }
        switch kind {
        case .int:
            guard case let .int(x) = v else { throw bad() }
            return .int(try checkedInt(x))
        case .float:
            guard let x = v.number, x.isFinite || x.isInfinite else { throw bad() }
            if case .double = v, !x.isFinite { throw AttributeLimits.notFinite(key, at: at) }
            return .float(x)
        case .string:
            guard let s = v.string else { throw bad() }
            return .string(s)
        case .ints:
            guard let items = v.array else { throw bad() }
            return .ints(try items.map {
                guard case let .int(x) = $0 else { throw bad() }
                return try checkedInt(x)
            })
        case .floats:
            guard let items = v.array else { throw bad() }
            return .floats(try items.map {
                guard let x = $0.number, x.isFinite else { throw bad() }
                return x
            })
        }
    }
}
