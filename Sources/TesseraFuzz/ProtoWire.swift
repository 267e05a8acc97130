/// The protobuf wire format, enough to build ONNX files and to take them apart for
/// mutation without the generated message types (which are internal to the Tessera
/// library): a message is a list of numbered fields in file order, each a varint, a
/// fixed 32- or 64-bit value, or length-delimited bytes, which `ONNXSchema` says to read
/// as a nested message where the field is one.
public struct ProtoMessage: Equatable {
    public enum Value: Equatable {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes([UInt8])
        case message(ProtoMessage)
    }

    public struct Field: Equatable {
        public var number: Int
        public var value: Value
    }

    /// The message type, a key of `ONNXSchema.messages`.
    public var type: String
    public var fields: [Field] = []

    public init(_ type: String, _ fields: [Field] = []) {
        self.type = type
        self.fields = fields
    }

    // MARK: Building

    public mutating func int(_ number: Int, _ v: Int64) { fields.append(Field(number: number, value: .varint(UInt64(bitPattern: v)))) }
    public mutating func float(_ number: Int, _ v: Float) { fields.append(Field(number: number, value: .fixed32(v.bitPattern))) }
    public mutating func string(_ number: Int, _ s: String) { fields.append(Field(number: number, value: .bytes(Array(s.utf8)))) }
    public mutating func bytes(_ number: Int, _ b: [UInt8]) { fields.append(Field(number: number, value: .bytes(b))) }
    public mutating func message(_ number: Int, _ m: ProtoMessage) { fields.append(Field(number: number, value: .message(m))) }

    /// A packed repeated varint field.
    public mutating func packedInts(_ number: Int, _ values: [Int64]) {
        var out: [UInt8] = []
        for v in values { ProtoMessage.appendVarint(UInt64(bitPattern: v), to: &out) }
        bytes(number, out)
    }

    /// A packed repeated float field.
    public mutating func packedFloats(_ number: Int, _ values: [Float]) {
        var out: [UInt8] = []
        for v in values { ProtoMessage.appendFixed32(v.bitPattern, to: &out) }
        bytes(number, out)
    }

    // MARK: Encoding

    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        for f in fields {
            switch f.value {
            case let .varint(v):
                ProtoMessage.appendVarint(UInt64(f.number << 3), to: &out)
                ProtoMessage.appendVarint(v, to: &out)
            case let .fixed64(v):
                ProtoMessage.appendVarint(UInt64(f.number << 3 | 1), to: &out)
                for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) }
            case let .fixed32(v):
                ProtoMessage.appendVarint(UInt64(f.number << 3 | 5), to: &out)
                ProtoMessage.appendFixed32(v, to: &out)
            case let .bytes(b):
                ProtoMessage.appendVarint(UInt64(f.number << 3 | 2), to: &out)
                ProtoMessage.appendVarint(UInt64(b.count), to: &out)
                out += b
            case let .message(m):
                let b = m.serialized()
                ProtoMessage.appendVarint(UInt64(f.number << 3 | 2), to: &out)
                ProtoMessage.appendVarint(UInt64(b.count), to: &out)
                out += b
            }
        }
        return out
    }

    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func appendFixed32(_ v: UInt32, to out: inout [UInt8]) {
        for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(k)))) }
    }

    // MARK: Decoding

    /// Parses `bytes` as a message of `type`; nil when they are not valid wire format.
    public static func parse(_ bytes: [UInt8], type: String, depth: Int = 0) -> ProtoMessage? {
        guard depth < 32 else { return nil }
        var m = ProtoMessage(type)
        var pos = 0
        func varint() -> UInt64? {
            var v: UInt64 = 0, shift: UInt64 = 0
            while pos < bytes.count, shift < 64 {
                let b = bytes[pos]
                pos += 1
                v |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return v }
                shift += 7
            }
            return nil
        }
        while pos < bytes.count {
            guard let key = varint(), key >> 3 > 0, key >> 3 < 1 << 29 else { return nil }
            let number = Int(key >> 3)
            switch key & 7 {
            case 0:
                guard let v = varint() else { return nil }
                m.fields.append(Field(number: number, value: .varint(v)))
            case 1:
                guard pos + 8 <= bytes.count else { return nil }
                var v: UInt64 = 0
                for k in 0..<8 { v |= UInt64(bytes[pos + k]) << (8 * UInt64(k)) }
                pos += 8
                m.fields.append(Field(number: number, value: .fixed64(v)))
            case 5:
                guard pos + 4 <= bytes.count else { return nil }
                var v: UInt32 = 0
                for k in 0..<4 { v |= UInt32(bytes[pos + k]) << (8 * UInt32(k)) }
                pos += 4
                m.fields.append(Field(number: number, value: .fixed32(v)))
            case 2:
                guard let n = varint(), n <= UInt64(bytes.count - pos) else { return nil }
                let body = Array(bytes[pos..<(pos + Int(n))])
                pos += Int(n)
                if let child = ONNXSchema.messages[type]?[number], let sub = parse(body, type: child, depth: depth + 1) {
                    m.fields.append(Field(number: number, value: .message(sub)))
                } else {
                    m.fields.append(Field(number: number, value: .bytes(body)))
                }
            default:
                return nil
            }
        }
        return m
    }

    /// Every nested message of `type` (this one included), as index paths for `update`.
    public func paths(of type: String, prefix: [Int] = []) -> [[Int]] {
        var out: [[Int]] = self.type == type ? [prefix] : []
        for (i, f) in fields.enumerated() {
            if case let .message(m) = f.value { out += m.paths(of: type, prefix: prefix + [i]) }
        }
        return out
    }

    /// Applies `change` to the nested message at `path`.
    public mutating func update(_ path: [Int], _ change: (inout ProtoMessage) -> Void) {
        guard let first = path.first else { return change(&self) }
        guard first < fields.count, case var .message(m) = fields[first].value else { return }
        m.update(Array(path.dropFirst()), change)
        fields[first].value = .message(m)
    }

    /// The message at `path`.
    public func at(_ path: [Int]) -> ProtoMessage? {
        guard let first = path.first else { return self }
        guard first < fields.count, case let .message(m) = fields[first].value else { return nil }
        return m.at(Array(path.dropFirst()))
    }

    /// The string value of the first field `number`.
    public func string(_ number: Int) -> String? {
        for f in fields where f.number == number {
            if case let .bytes(b) = f.value { return String(decoding: b, as: UTF8.self) }
        }
        return nil
    }

    /// The string values of every field `number`.
    public func strings(_ number: Int) -> [String] {
        fields.compactMap { f in
            guard f.number == number, case let .bytes(b) = f.value else { return nil }
            return String(decoding: b, as: UTF8.self)
        }
    }
}

/// The ONNX protobuf schema, as much as the fuzzer needs: which field of which message is
/// a nested message, and the field numbers it edits (onnx.proto).
public enum ONNXSchema {
    /// message type -> field number -> nested message type.
    public static let messages: [String: [Int: String]] = [
        "Model": [7: "Graph", 8: "OperatorSetId", 14: "StringStringEntry"],
        "Graph": [1: "Node", 5: "Tensor", 11: "ValueInfo", 12: "ValueInfo", 13: "ValueInfo"],
        "Node": [5: "Attribute"],
        "Attribute": [5: "Tensor", 6: "Graph", 10: "Tensor", 11: "Graph"],
        "Tensor": [13: "StringStringEntry"],
        "ValueInfo": [2: "Type"],
        "Type": [1: "TensorType"],
        "TensorType": [2: "Shape"],
        "Shape": [1: "Dimension"],
    ]

    // Field numbers.
    public enum Model { public static let irVersion = 1, producerName = 2, graph = 7, opsetImport = 8 }
    public enum OperatorSetId { public static let domain = 1, version = 2 }
    public enum Graph { public static let node = 1, name = 2, initializer = 5, input = 11, output = 12 }
    public enum Node { public static let input = 1, output = 2, name = 3, opType = 4, attribute = 5, domain = 7 }
    public enum Attribute {
        public static let name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8, type = 20
        // AttributeType values.
        public static let float = 1, int = 2, string = 3, tensor = 4, floatsType = 6, intsType = 7
    }
    public enum Tensor {
        public static let dims = 1, dataType = 2, floatData = 4, int32Data = 5, int64Data = 7, name = 8, rawData = 9
        public static let externalData = 13, dataLocation = 14
        // DataType values.
        public static let float = 1, int64 = 7, float16 = 10, double = 11
    }
    public enum ValueInfo { public static let name = 1, type = 2 }
    public enum TypeProto { public static let tensorType = 1 }
    public enum TensorType { public static let elemType = 1, shape = 2 }
    public enum Shape { public static let dim = 1 }
    public enum Dimension { public static let value = 1, param = 2 }
    public enum Entry { public static let key = 1, value = 2 }
}
