/// Integer arithmetic on numbers a model file supplies: dimensions, pads, strides,
/// dilations, kernel sizes, split sizes, element counts. A file can hold any 64-bit value,
/// so every sum and product of such numbers goes through here: an overflow is the file's
/// fault and becomes an `invalidModel` error at `location` naming the quantity, e.g.
/// `nodes[0] "pad": Pad output shape overflows (2 + 4611686018427387904 + 4611686018427387904)`,
/// never a trap.
///
/// Quantities derived only from shapes that passed `checkedElementCount` (each at most
/// `maxTensorElements` elements) need no checks: products of two such counts fit in `Int`.
public struct CheckedArithmetic: Sendable {
    public let location: String
    /// What is being computed, for the message ("Pad output shape").
    public let quantity: String

    public init(_ location: String, _ quantity: String) {
        self.location = location
        self.quantity = quantity
    }

    public init(_ node: Node, _ quantity: String) {
        self.init(node.location, quantity)
    }

    private func overflow(_ expression: String) -> TesseraError {
        .invalidModel(location: location, message: "\(quantity) overflows (\(expression))")
    }

    public func add<T: FixedWidthInteger>(_ a: T, _ b: T) throws -> T {
        let (r, o) = a.addingReportingOverflow(b)
        if o { throw overflow("\(a) + \(b)") }
        return r
    }

    public func subtract<T: FixedWidthInteger>(_ a: T, _ b: T) throws -> T {
        let (r, o) = a.subtractingReportingOverflow(b)
        if o { throw overflow("\(a) - \(b)") }
        return r
    }

    public func multiply<T: FixedWidthInteger>(_ a: T, _ b: T) throws -> T {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        if o { throw overflow("\(a) * \(b)") }
        return r
    }

    /// a / b truncated toward zero; Int64.min / -1 overflows.
    public func divide<T: FixedWidthInteger>(_ a: T, _ b: T) throws -> T {
        let (r, o) = a.dividedReportingOverflow(by: b)
        if o { throw overflow("\(a) / \(b)") }
        return r
    }

    /// a / b rounded up, for b > 0 (window counts).
    public func divideRoundingUp(_ a: Int, _ b: Int) throws -> Int {
        guard b > 0 else { throw TesseraError.invalidModel(location: location, message: "\(quantity): division by \(b)") }
        let q = a / b
        return a % b > 0 ? q + 1 : q
    }

    public func sum<T: FixedWidthInteger>(_ values: [T]) throws -> T {
        var total: T = 0
        for v in values {
            let (r, o) = total.addingReportingOverflow(v)
            if o { throw overflow(values.map { "\($0)" }.joined(separator: " + ")) }
            total = r
        }
        return total
    }

    public func product<T: FixedWidthInteger>(_ values: [T]) throws -> T {
        var total: T = 1
        for v in values {
            let (r, o) = total.multipliedReportingOverflow(by: v)
            if o { throw overflow(values.map { "\($0)" }.joined(separator: " * ")) }
            total = r
        }
        return total
    }
}
