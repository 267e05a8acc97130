import Foundation

/// Writes a graph as model JSON version 1 (what `tessera import` produces). Small
/// constants are inline numbers; larger float constants are base64 of little-endian
/// float32, which is exact and a third of the size.
public enum ModelWriter {
    static let inlineLimit = 64

    public static func json(_ graph: Graph, notes: [String] = []) -> JSONValue {
        var doc = graph.doc
        if !notes.isEmpty { doc += (doc.isEmpty ? "" : " ") + "Import notes: " + notes.joined(separator: "; ") + "." }
        var members: [(String, JSONValue)] = [("format", .string(ModelLoader.formatName)), ("version", .int(ModelLoader.formatVersion)),
                                              ("name", .string(graph.name))]
        if !doc.isEmpty { members.append(("doc", .string(doc))) }
        members.append(("inputs", .array(graph.inputs.map {
            .object([("name", .string($0.name)), ("shape", .array($0.type.shape.map { .int($0) })), ("dtype", .string("float32"))])
        })))
        members.append(("outputs", .array(graph.outputs.map { name in
            var o: [(String, JSONValue)] = [("name", .string(name))]
            if let t = graph.types[name] { o.append(("shape", .array(t.shape.map { .int($0) }))) }
            return .object(o)
        })))
        members.append(("constants", .array(graph.constants.values.map(constant))))
        members.append(("nodes", .array(graph.nodes.map(node))))
        return .object(members)
    }

    private static func constant(_ c: Constant) -> JSONValue {
        var o: [(String, JSONValue)] = [("name", .string(c.name)), ("shape", .array(c.type.shape.map { .int($0) })),
                                        ("dtype", .string(c.type.dtype.rawValue))]
        switch c.data {
        case let .int64(v):
            o.append(("data", .array(v.map { .int(Int($0)) })))
        case let .float(v) where v.count <= inlineLimit:
            o.append(("data", .array(v.map(TensorsJSON.number))))
        case let .float(v):
            var bytes = [UInt8]()
            bytes.reserveCapacity(v.count * 4)
            for f in v {
                let bits = f.bitPattern
                bytes += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
            }
            o.append(("data_base64", .string(Data(bytes).base64EncodedString())))
        }
        return .object(o)
    }

    private static func node(_ n: Node) -> JSONValue {
        var o: [(String, JSONValue)] = [("name", .string(n.name)), ("op", .string(n.op.name)),
                                        ("inputs", .array(n.inputs.map { .string($0) })), ("outputs", .array(n.outputs.map { .string($0) }))]
        if !n.attributes.isEmpty {
            o.append(("attributes", .object(n.attributes.map { key, value in
                let v: JSONValue = switch value {
                case let .int(i): .int(i)
                case let .float(f): .double(f)
                case let .string(s): .string(s)
                case let .ints(a): .array(a.map { .int($0) })
                case let .floats(a): .array(a.map { .double($0) })
                }
                return (key, v)
            })))
        }
        return .object(o)
    }
}
