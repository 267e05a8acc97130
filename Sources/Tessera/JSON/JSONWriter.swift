/// Deterministic JSON text: object keys in the order given, numbers in their shortest
/// round-trip form, non-finite numbers as `null`. Arrays of scalars stay on one line.
public enum JSONWriter {
    public static func write(_ value: JSONValue, pretty: Bool = true) -> String {
        var out = ""
        emit(value, indent: 0, pretty: pretty, into: &out)
        if pretty { out += "\n" }
        return out
    }

    private static func emit(_ value: JSONValue, indent: Int, pretty: Bool, into out: inout String) {
        switch value {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d): out += numberText(d)
        case let .string(s): out += quoted(s)
        case let .array(items):
            let flat = !pretty || items.allSatisfy { !isContainer($0) }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += flat ? (pretty ? ", " : ",") : "," }
                if !flat { out += "\n" + String(repeating: "  ", count: indent + 1) }
                emit(item, indent: indent + 1, pretty: pretty, into: &out)
            }
            if !flat && !items.isEmpty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        case let .object(members):
            out += "{"
            for (i, (key, item)) in members.enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                out += quoted(key) + (pretty ? ": " : ":")
                emit(item, indent: indent + 1, pretty: pretty, into: &out)
            }
            if pretty && !members.isEmpty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        }
    }

    private static func isContainer(_ v: JSONValue) -> Bool {
        switch v {
        case .array, .object: return true
        default: return false
        }
    }

    /// Shortest text that reads back to the same double; integral values keep a ".0"-free
    /// form only when they are written as `.int`.
    public static func numberText(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        return "\(d)"
    }

    /// Shortest text that reads back to the same float.
    public static func numberText(_ f: Float) -> String {
        guard f.isFinite else { return "null" }
        return "\(f)"
    }

    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
