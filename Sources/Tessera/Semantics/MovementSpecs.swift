/// A dense output read from the input at `offset + sum(index[d] * strides[d])`: Transpose,
/// Slice and each output of Split are one of these.
public struct StridedCopySpec: Equatable, Sendable {
    public var outputShape: [Int]
    public var inputStrides: [Int]
    public var inputOffset: Int

    /// Row-major element strides of `shape`.
    static func denseStrides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { s[d] = s[d + 1] * shape[d + 1] }
        return s
    }

    /// The output is the input's bytes in the same order (only size-1 axes move, no
    /// offset): a view, no data movement needed.
    public var isIdentityOrder: Bool {
        inputOffset == 0 && zip(outputShape, inputStrides).filter { $0.0 > 1 }.map(\.1) == StridedCopySpec.denseStrides(outputShape.filter { $0 > 1 })
    }

    static func transpose(_ node: Node, _ ctx: SpecContext) throws -> (StridedCopySpec, perm: [Int]) {
        let a = AttributeReader(node)
        let x = try ctx.floatShape(node, 0)
        let perm = try a.ints("perm") ?? Array((0..<x.count).reversed())
        guard perm.sorted() == Array(0..<x.count) else {
            throw a.fail("perm \(shapeText(perm)) is not a permutation of the \(x.count) axes of \(shapeText(x))")
        }
        try checkRank(x, node)
        let strides = denseStrides(x)
        return (StridedCopySpec(outputShape: perm.map { x[$0] }, inputStrides: perm.map { strides[$0] }, inputOffset: 0), perm)
    }

    /// ONNX Slice (opset 10+ form: starts, ends, optional axes and steps as constants).
    static func slice(_ node: Node, _ ctx: SpecContext) throws -> StridedCopySpec {
        let a = AttributeReader(node)
        let x = try ctx.floatShape(node, 0)
        try checkRank(x, node)
        func list(_ i: Int, _ what: String) throws -> [Int]? {
            guard node.input(i) != nil else { return nil }
            guard let c = ctx.constant(node, i), c.type.rank == 1, let v = c.integers else {
                throw a.fail("Slice \(what) must be a 1-D integer constant")
            }
            return v
        }
        guard let starts = try list(1, "starts"), let ends = try list(2, "ends") else { throw a.fail("Slice needs starts and ends") }
        let axes = try list(3, "axes") ?? Array(0..<starts.count)
        let steps = try list(4, "steps") ?? [Int](repeating: 1, count: starts.count)
        guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
            throw a.fail("Slice starts, ends, axes and steps must have the same length")
        }
        var shape = x
        var begin = [Int](repeating: 0, count: x.count)
        var step = [Int](repeating: 1, count: x.count)
        var seen = Set<Int>()
        for k in 0..<starts.count {
            let axis = try normalizedAxis(axes[k], rank: x.count, node)
            guard seen.insert(axis).inserted else { throw a.fail("Slice axis \(axis) appears twice") }
            // Steps beyond the tensor's size behave like the size itself; clamping keeps the
            // arithmetic below far from overflow for any int64 a file may hold.
            let dim = x[axis], s = Swift.min(Swift.max(steps[k], -Int(Int32.max)), Int(Int32.max))
            guard s != 0 else { throw a.fail("Slice steps must be non-zero") }
            func clamp(_ v: Int, _ lo: Int, _ hi: Int) -> Int { Swift.min(Swift.max(v, lo), hi) }
            let limit = Int(Int32.max)
            var st = Swift.min(Swift.max(starts[k], -limit), limit), en = Swift.min(Swift.max(ends[k], -limit), limit)
            if st < 0 { st += dim }
            if en < 0 { en += dim }
            if s > 0 {
                st = clamp(st, 0, dim)
                en = clamp(en, 0, dim)
                shape[axis] = Swift.max(0, (en - st + s - 1) / s)
            } else {
                st = clamp(st, 0, dim - 1)
                en = clamp(en, -1, dim - 1)
                shape[axis] = Swift.max(0, (st - en + (-s) - 1) / (-s))
            }
            begin[axis] = st
            step[axis] = s
        }
        let strides = denseStrides(x)
        return StridedCopySpec(outputShape: shape, inputStrides: zip(strides, step).map { $0 * $1 },
                               inputOffset: zip(begin, strides).map { $0 * $1 }.reduce(0, +))
    }

    /// ONNX Split: one strided copy per output.
    static func split(_ node: Node, _ ctx: SpecContext) throws -> [StridedCopySpec] {
        let a = AttributeReader(node)
        let x = try ctx.floatShape(node, 0)
        try checkRank(x, node)
        let axis = try normalizedAxis(try a.int("axis", default: 0), rank: x.count, node)
        let n = node.outputs.count
        var sizes: [Int]
        if let c = ctx.constant(node, 1) {
            guard let v = c.integers else { throw a.fail("Split sizes must be integers") }
            guard node.attributes["split"] == nil else { throw a.fail("Split sizes are given both as input and as attribute") }
            sizes = v
        } else if let v = try a.ints("split") {
            sizes = v
        } else {
            let parts = try a.int("num_outputs", default: n)
            guard parts == n, parts > 0 else { throw a.fail("num_outputs \(parts) does not match the \(n) outputs") }
            let chunk = (x[axis] + n - 1) / n
            sizes = (0..<n).map { Swift.min(chunk, Swift.max(0, x[axis] - $0 * chunk)) }
        }
        guard sizes.count == n, sizes.allSatisfy({ $0 >= 0 }), try CheckedArithmetic(node, "the sum of the Split sizes").sum(sizes) == x[axis] else {
            throw a.fail("Split sizes \(shapeText(sizes)) do not divide axis \(axis) of \(shapeText(x)) into \(n) outputs")
        }
        let strides = denseStrides(x)
        var offset = 0
        return sizes.map { size in
            var shape = x
            shape[axis] = size
            defer { offset += size }
            return StridedCopySpec(outputShape: shape, inputStrides: strides, inputOffset: offset * strides[axis])
        }
    }

    /// ReadInput: the region of `shape` at `offsets` of its input, every axis in steps of 1.
    static func readInput(_ node: Node, _ ctx: SpecContext) throws -> StridedCopySpec {
        let a = AttributeReader(node)
        let x = try ctx.floatShape(node, 0)
        try checkRank(x, node)
        guard let shape = try a.ints("shape"), let offsets = try a.ints("offsets"), shape.count == x.count, offsets.count == x.count else {
            throw a.fail("ReadInput needs the attributes shape and offsets, of the input's rank \(x.count)")
        }
        for d in x.indices where offsets[d] < 0 || shape[d] < 1 || offsets[d] + shape[d] > x[d] {
            throw a.fail("the region \(shapeText(shape)) at offsets \(shapeText(offsets)) leaves the input \(shapeText(x)) on axis \(d)")
        }
        let strides = denseStrides(x)
        return StridedCopySpec(outputShape: shape, inputStrides: strides, inputOffset: zip(offsets, strides).map { $0 * $1 }.reduce(0, +))
    }

    static func checkRank(_ x: [Int], _ node: Node) throws {
        guard !x.isEmpty && x.count <= BroadcastSpec.maxRank else {
            throw TesseraError.unsupported(location: node.location, message: "\(node.op.name) of rank \(x.count) is not supported (1 to \(BroadcastSpec.maxRank))")
        }
    }
}

/// Concat: every input viewed as [outer][chunk], the output as [outer][sum of chunks].
public struct ConcatSpec: Equatable, Sendable {
    public var outer: Int
    public var chunks: [Int]
    public var outputShape: [Int]

    static func make(_ node: Node, _ ctx: SpecContext) throws -> ConcatSpec {
        let a = AttributeReader(node)
        let shapes = try node.inputs.indices.map { i -> [Int] in
            guard node.input(i) != nil else { throw a.fail("Concat inputs must not be empty") }
            return try ctx.floatShape(node, i)
        }
        let first = shapes[0]
        guard !first.isEmpty else { throw a.fail("Concat inputs must have rank 1 or more") }
        let axis = try normalizedAxis(try a.int("axis", default: 1), rank: first.count, node)
        var out = first
        out[axis] = 0
        let total = CheckedArithmetic(node, "the Concat output shape")
        for s in shapes {
            guard s.count == first.count, s.indices.allSatisfy({ $0 == axis || s[$0] == first[$0] }) else {
                throw a.fail("Concat inputs \(shapes.map(shapeText).joined(separator: ", ")) differ outside axis \(axis)")
            }
            out[axis] = try total.add(out[axis], s[axis])
        }
        return ConcatSpec(outer: first[..<axis].reduce(1, *), chunks: shapes.map { $0[axis...].reduce(1, *) }, outputShape: out)
    }
}

/// Pad (constant mode): the input placed at `begin` inside an output filled with `value`.
public struct PadSpec: Equatable, Sendable {
    public var inputShape: [Int]
    public var outputShape: [Int]
    public var begin: [Int]
    public var value: Float

    static func make(_ node: Node, _ ctx: SpecContext) throws -> PadSpec {
        let a = AttributeReader(node)
        let x = try ctx.floatShape(node, 0)
        try StridedCopySpec.checkRank(x, node)
        let mode = try a.string("mode", default: "constant")
        guard mode == "constant" else {
            throw TesseraError.unsupported(location: node.location, message: "Pad mode \"\(mode)\" is not supported (only constant)")
        }
        guard let pc = ctx.constant(node, 1), pc.type.rank == 1, let pads = pc.integers else {
            throw a.fail("Pad pads must be a 1-D int64 constant")
        }
        var axes = Array(0..<x.count)
        if let ac = ctx.constant(node, 3) {
            guard let v = ac.integers else { throw a.fail("Pad axes must be integers") }
            axes = try v.map { try normalizedAxis($0, rank: x.count, node) }
            guard Set(axes).count == axes.count else { throw a.fail("Pad axes \(shapeText(v)) repeat an axis") }
        }
        guard pads.count == 2 * axes.count else {
            throw a.fail("Pad pads has \(pads.count) values but \(axes.count) axes need \(2 * axes.count)")
        }
        guard pads.allSatisfy({ $0 >= 0 }) else {
            throw TesseraError.unsupported(location: node.location, message: "negative pads \(shapeText(pads)) (cropping) are not supported")
        }
        var begin = [Int](repeating: 0, count: x.count), out = x
        let padded = CheckedArithmetic(node, "the Pad output shape")
        for (k, axis) in axes.enumerated() {
            begin[axis] = pads[k]
            out[axis] = try padded.sum([out[axis], pads[k], pads[k + axes.count]])
        }
        var value: Float = 0
        if let vc = ctx.constant(node, 2) {
            guard vc.type.elementCount == 1, let v = vc.floats?.first else { throw a.fail("Pad constant_value must be a float scalar") }
            value = v
        }
        return PadSpec(inputShape: x, outputShape: out, begin: begin, value: value)
    }
}

/// InsertRegion: a patch x of `patchShape` written at `offsets` into a tensor of
/// `outputShape` (its base, or new storage).
public struct InsertSpec: Equatable, Sendable {
    public var outputShape: [Int]
    public var patchShape: [Int]
    public var offsets: [Int]

    static func make(_ node: Node, _ ctx: SpecContext) throws -> InsertSpec {
        let a = AttributeReader(node)
        let x = try ctx.floatShape(node, 0)
        guard let shape = try a.ints("shape"), let offsets = try a.ints("offsets") else {
            throw a.fail("InsertRegion needs the attributes shape and offsets")
        }
        guard shape.count == x.count, offsets.count == x.count else {
            throw a.fail("InsertRegion shape \(shapeText(shape)) and offsets \(shapeText(offsets)) must have the patch's rank \(x.count)")
        }
        try StridedCopySpec.checkRank(x, node)
        for d in x.indices where offsets[d] < 0 || offsets[d] + x[d] > shape[d] {
            throw a.fail("the patch \(shapeText(x)) at offsets \(shapeText(offsets)) leaves the tensor \(shapeText(shape)) on axis \(d)")
        }
        if let base = node.input(1), try ctx.floatShape(node, 1) != shape {
            throw a.fail("the base \"\(base)\" is \(shapeText(try ctx.floatShape(node, 1))), not \(shapeText(shape))")
        }
        return InsertSpec(outputShape: shape, patchShape: x, offsets: offsets)
    }
}
