/// Small helpers for writing C text.
enum CSyntax {
    /// A float literal that reads back to exactly `x` (shortest round-trip form + `f`).
    static func float(_ x: Float) -> String {
        if x == .infinity { return "HUGE_VALF" }
        if x == -.infinity { return "(-HUGE_VALF)" }
        precondition(x.isFinite, "NaN has no C literal")
        var s = "\(x)"
        if !s.contains(".") && !s.contains("e") { s += ".0" }
        return s + "f"
    }

    static func float(_ x: Double) -> String { float(Float(x)) }

    /// `x` rounded to half, as `TSR_F16(bits, value)`: the value where the compiler has
    /// _Float16, else its bits (tsr_types.h).
    static func half(_ x: Float) -> String {
        let h = Float16(x)
        return "TSR_F16(0x\(String(h.bitPattern, radix: 16).leftPadded(4)), \(float(Float(h))))"
    }

    /// A C identifier made from `name`: other characters become `_`; a leading digit gets `_`.
    static func identifier(_ name: String) -> String {
        var out = String(name.unicodeScalars.map { s -> Character in
            s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s)) ? Character(s) : "_"
        })
        if out.isEmpty || out.first!.isNumber { out = "_" + out }
        return out
    }

    /// The longest C symbol prefix and file-name stem `symbolPrefix` gives.
    static let maxSymbolPrefix = 40

    /// A model's C symbol prefix and file-name stem (`<prefix>_run`, `<prefix>_weights.c`):
    /// its name as an identifier when that has at most `maxSymbolPrefix` characters, else
    /// the identifier's first 31 characters, `_` and 8 hex digits of a hash of the whole
    /// name (FNV-1a), so that distinct long names stay distinct, every symbol keeps within
    /// the 63 significant characters C99 promises, and file names stay far from the
    /// 255-byte limit of file systems.
    static func symbolPrefix(_ name: String) -> String {
        let id = identifier(name)
        guard id.count > maxSymbolPrefix else { return id }
        var hash: UInt32 = 0x811C_9DC5
        for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        return String(id.prefix(31)) + "_" + String(hash, radix: 16).leftPadded(8)
    }

    /// Text safe inside a C block comment.
    static func comment(_ text: String) -> String {
        text.replacingOccurrences(of: "*/", with: "* /").replacingOccurrences(of: "\n", with: " ")
    }

    /// Text safe inside a C string literal.
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "?": out += "\\?"  // no trigraph (`??=` ...) can form
            case _ where scalar.value < 0x20 || scalar.value >= 0x7F:
                // Octal escapes of the UTF-8 bytes keep the literal pure ASCII.
                for byte in String(scalar).utf8 { out += "\\" + String(byte, radix: 8).leftPadded(3) }
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func intList(_ values: [Int]) -> String {
        "{ " + values.map(String.init).joined(separator: ", ") + " }"
    }

    /// Pads an int list to `count` entries with zeros (fixed-size C arrays).
    static func intArray(_ values: [Int], count: Int) -> String {
        intList(values + [Int](repeating: 0, count: max(0, count - values.count)))
    }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
