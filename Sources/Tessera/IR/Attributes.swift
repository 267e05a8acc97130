import OrderedCollections

/// The kinds of attribute value an op declares.
public enum AttributeKind: Sendable {
    case int, float, string, ints, floats

    var noun: String {
        switch self {
        case .int: return "an integer"
        case .float: return "a number"
        case .string: return "a string"
        case .ints: return "a list of integers"
        case .floats: return "a list of numbers"
        }
    }
}

/// One attribute value, as ONNX has them.
public enum AttributeValue: Equatable, Sendable, CustomStringConvertible {
    case int(Int)
    case float(Double)
    case string(String)
    case ints([Int])
    case floats([Double])

    public var description: String {
        switch self {
        case let .int(v): return String(v)
        case let .float(v): return String(v)
        case let .string(s): return "\"\(s)\""
        case let .ints(v): return "[" + v.map(String.init).joined(separator: ", ") + "]"
        case let .floats(v): return "[" + v.map { String($0) }.joined(separator: ", ") + "]"
        }
    }
}

/// Typed access to a node's attributes. Errors name the node, e.g.
/// `nodes[2] "conv1": attribute "strides" must be a list of integers, got "2"`.
public struct AttributeReader {
    public let node: Node

    public init(_ node: Node) { self.node = node }

    private func wrong(_ name: String, _ kind: AttributeKind, _ value: AttributeValue) -> TesseraError {
        .invalidModel(location: node.location, message: "attribute \"\(name)\" must be \(kind.noun), got \(value)")
    }

    public func int(_ name: String, default value: Int) throws -> Int {
        guard let a = node.attributes[name] else { return value }
        if case let .int(v) = a { return v }
        throw wrong(name, .int, a)
    }

    public func float(_ name: String, default value: Double) throws -> Double {
        guard let a = node.attributes[name] else { return value }
        switch a {
        case let .float(v): return v
        case let .int(v): return Double(v)
        default: throw wrong(name, .float, a)
        }
    }

    public func optionalFloat(_ name: String) throws -> Double? {
        guard node.attributes[name] != nil else { return nil }
        return try float(name, default: 0)
    }

    public func string(_ name: String, default value: String) throws -> String {
        guard let a = node.attributes[name] else { return value }
        if case let .string(s) = a { return s }
        throw wrong(name, .string, a)
    }

    public func ints(_ name: String) throws -> [Int]? {
        guard let a = node.attributes[name] else { return nil }
        switch a {
        case let .ints(v): return v
        case let .int(v): throw wrong(name, .ints, .int(v))
        default: throw wrong(name, .ints, a)
        }
    }

    public func fail(_ message: String) -> TesseraError {
        .invalidModel(location: node.location, message: message)
    }
}

public typealias Attributes = OrderedDictionary<String, AttributeValue>

/// What every attribute value must satisfy, whichever file it comes from: integers within
/// ±Int32.max (kernel parameters are int32, and sums and products of a few of them then
/// stay far from overflow), numbers finite. The JSON loader and the ONNX importer both
/// check with these.
public enum AttributeLimits {
    public static let intRange = -Int(Int32.max)...Int(Int32.max)

    static func outOfRange(_ key: String, _ value: Int, at location: String) -> TesseraError {
        .invalidModel(location: location, message: "attribute \"\(key)\" value \(value) is out of range")
    }

    static func notFinite(_ key: String, at location: String) -> TesseraError {
        .invalidModel(location: location, message: "attribute \"\(key)\" is not finite")
    }

    /// Checks attribute `key` holding `value`; errors name `location`.
    static func check(_ key: String, _ value: AttributeValue, at location: String) throws {
        switch value {
        case let .int(v):
            guard intRange.contains(v) else { throw outOfRange(key, v, at: location) }
        case let .ints(v):
            if let bad = v.first(where: { !intRange.contains($0) }) { throw outOfRange(key, bad, at: location) }
        case let .float(v):
            guard v.isFinite else { throw notFinite(key, at: location) }
        case let .floats(v):
            guard v.allSatisfy(\.isFinite) else { throw notFinite(key, at: location) }
        case .string:
            break
        }
    }
}
