/// Gemm: Y = alpha * A' * B' + beta * C with C broadcast to [M, N].
public struct GemmSpec: Equatable, Sendable {
    public enum Bias: Int, Sendable { case none = 0, scalar, row, column, full }

    public var m: Int, n: Int, k: Int
    public var transA: Bool, transB: Bool
    public var alpha: Double, beta: Double
    public var bias: Bias
    public var activation: Activation

    public var outputShape: [Int] { [m, n] }
    public var macs: Int { m * n * k }

    static func make(_ node: Node, _ ctx: SpecContext) throws -> GemmSpec {
        let at = AttributeReader(node)
        let a = try ctx.floatShape(node, 0), b = try ctx.floatShape(node, 1)
        guard a.count == 2 else { throw at.fail("Gemm input A must be 2-D, got \(shapeText(a))") }
        guard b.count == 2 else { throw at.fail("Gemm input B must be 2-D, got \(shapeText(b))") }
        let transA = try at.int("transA", default: 0), transB = try at.int("transB", default: 0)
        guard transA == 0 || transA == 1 else { throw at.fail("transA must be 0 or 1, got \(transA)") }
        guard transB == 0 || transB == 1 else { throw at.fail("transB must be 0 or 1, got \(transB)") }
        let (m, k) = transA == 1 ? (a[1], a[0]) : (a[0], a[1])
        let (kb, n) = transB == 1 ? (b[1], b[0]) : (b[0], b[1])
        guard k == kb else {
            throw at.fail("Gemm inner dimensions differ: A\(transA == 1 ? "ᵀ" : "") is \(m)x\(k), B\(transB == 1 ? "ᵀ" : "") is \(kb)x\(n)")
        }
        var bias = Bias.none
        if node.input(2) != nil {
            let c = try ctx.floatShape(node, 2)
            switch c {
            case [], [1], [1, 1]: bias = .scalar
            case [n], [1, n]: bias = .row
            case [m, 1]: bias = .column
            case [m, n]: bias = .full
            default: throw at.fail("Gemm C \(shapeText(c)) does not broadcast to [\(m), \(n)]")
            }
        }
        return GemmSpec(m: m, n: n, k: k, transA: transA == 1, transB: transB == 1,
                        alpha: try at.float("alpha", default: 1), beta: try at.float("beta", default: 1), bias: bias,
                        activation: try Activation.fused(node))
    }
}

/// MatMul with numpy semantics: batch axes broadcast, 1-D operands promoted and squeezed.
public struct MatMulSpec: Equatable, Sendable {
    public var m: Int, n: Int, k: Int
    public var batchShape: [Int]
    /// Element stride of each batch axis in A and B (0 where that operand broadcasts).
    public var aBatchStrides: [Int]
    public var bBatchStrides: [Int]
    public var outputShape: [Int]

    public var batchCount: Int { batchShape.reduce(1, *) }
    public var macs: Int { batchCount * m * n * k }

    static func make(_ node: Node, _ ctx: SpecContext) throws -> MatMulSpec {
        let at = AttributeReader(node)
        var a = try ctx.floatShape(node, 0), b = try ctx.floatShape(node, 1)
        guard !a.isEmpty && !b.isEmpty else { throw at.fail("MatMul inputs must have rank 1 or more, got \(shapeText(a)) and \(shapeText(b))") }
        let aVector = a.count == 1, bVector = b.count == 1
        if aVector { a = [1] + a }
        if bVector { b = b + [1] }
        let (m, k) = (a[a.count - 2], a[a.count - 1])
        let (kb, n) = (b[b.count - 2], b[b.count - 1])
        guard k == kb else { throw at.fail("MatMul inner dimensions differ: \(shapeText(a)) x \(shapeText(b))") }
        let aBatch = Array(a.dropLast(2)), bBatch = Array(b.dropLast(2))
        let rank = max(aBatch.count, bBatch.count)
        guard rank <= 4 else {
            throw TesseraError.unsupported(location: node.location, message: "MatMul with more than 4 batch axes is not supported")
        }
        let pa = [Int](repeating: 1, count: rank - aBatch.count) + aBatch
        let pb = [Int](repeating: 1, count: rank - bBatch.count) + bBatch
        var batch: [Int] = []
        for d in 0..<rank {
            guard pa[d] == pb[d] || pa[d] == 1 || pb[d] == 1 else {
                throw at.fail("MatMul batch dimensions \(shapeText(aBatch)) and \(shapeText(bBatch)) do not broadcast")
            }
            batch.append(max(pa[d], pb[d]))
        }
        func strides(_ dims: [Int], _ matrix: Int) -> [Int] {
            var s = [Int](repeating: 0, count: rank)
            var acc = matrix
            for d in stride(from: rank - 1, through: 0, by: -1) {
                s[d] = dims[d] == 1 ? 0 : acc
                acc *= dims[d]
            }
            return s
        }
        var out = batch
        if !aVector { out.append(m) }
        if !bVector { out.append(n) }
        return MatMulSpec(m: m, n: n, k: k, batchShape: batch, aBatchStrides: strides(pa, m * k),
                          bBatchStrides: strides(pb, k * n), outputShape: out)
    }
}
