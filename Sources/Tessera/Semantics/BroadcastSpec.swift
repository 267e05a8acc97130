/// Numpy multidirectional broadcasting of two operands (Add, and later Mul/Sub/Div).
public struct BroadcastSpec: Equatable, Sendable {
    public var outputShape: [Int]
    /// Element stride of each output axis in A and in B (0 where the operand broadcasts).
    public var aStrides: [Int]
    public var bStrides: [Int]

    public static let maxRank = 6

    static func make(_ node: Node, _ ctx: SpecContext) throws -> BroadcastSpec {
        let a = try ctx.floatShape(node, 0), b = try ctx.floatShape(node, 1)
        guard let spec = BroadcastSpec(a, b) else {
            throw TesseraError.invalidModel(location: node.location, message: "shapes \(shapeText(a)) and \(shapeText(b)) do not broadcast")
        }
        guard spec.outputShape.count <= maxRank else {
            throw TesseraError.unsupported(location: node.location, message: "\(node.op.name) of rank \(spec.outputShape.count) is not supported (maximum \(maxRank))")
        }
        return spec
    }

    public init?(_ a: [Int], _ b: [Int]) {
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a
        let pb = [Int](repeating: 1, count: rank - b.count) + b
        var out: [Int] = []
        for d in 0..<rank {
            guard pa[d] == pb[d] || pa[d] == 1 || pb[d] == 1 else { return nil }
            out.append(pa[d] == 1 ? pb[d] : pa[d])
        }
        func strides(_ dims: [Int]) -> [Int] {
            var s = [Int](repeating: 0, count: rank)
            var acc = 1
            for d in stride(from: rank - 1, through: 0, by: -1) {
                s[d] = dims[d] == 1 ? 0 : acc
                acc *= dims[d]
            }
            return s
        }
        outputShape = out
        aStrides = strides(pa)
        bStrides = strides(pb)
    }
}
