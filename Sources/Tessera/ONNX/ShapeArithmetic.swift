/// Import-time evaluation of the integer "shape arithmetic" that exporters emit around
/// Reshape (Shape -> Gather -> Unsqueeze -> Concat, ...). Shapes are static in Tessera, so
/// these chains always fold to constants.
///
/// The operands are constants of the file, so any value is possible: every sum and product
/// is checked (`CheckedArithmetic`), every result stays within `maxElements` values, and a
/// result's shape always matches its values.
enum ShapeArithmetic {
    /// An integer tensor.
    struct Value {
        var shape: [Int]
        var data: [Int64]
    }

    /// The most values one folded result may hold: shape arithmetic is small, and a larger
    /// result is a malformed (or hostile) file, not a shape computation.
    static let maxElements = 1 << 20

    static let ops: Set<String> = ["Shape", "Size", "Gather", "Concat", "Unsqueeze", "Squeeze", "Slice", "Add", "Sub", "Mul",
                                   "Div", "Reshape", "Cast", "ConstantOfShape", "Identity", "Range", "ReduceProd", "Equal", "Where", "Expand"]

    /// Evaluates `op` on integer inputs; nil when the op is not integer arithmetic Tessera
    /// folds. Throws on malformed operands.
    static func evaluate(_ op: String, _ inputs: [Value?], _ attrs: [String: AttributeValue], at location: String) throws -> [Value]? {
        func fail(_ m: String) -> TesseraError { .invalidModel(location: location, message: m) }
        let math = CheckedArithmetic(location, "\(op) of constants")
        func int(_ k: String, _ d: Int) -> Int { if case let .int(v)? = attrs[k] { return v } else { return d } }
        func input(_ i: Int) throws -> Value {
            guard i < inputs.count, let v = inputs[i] else { throw fail("\(op) input \(i) must be a constant") }
            return v
        }
        func scalar(_ i: Int) throws -> Int64 {
            guard let v = try input(i).data.first else { throw fail("\(op) input \(i) must hold a value") }
            return v
        }
        func axis(_ a: Int, _ rank: Int) throws -> Int {
            guard a >= -rank && a < rank else { throw fail("axis \(a) out of range for rank \(rank)") }
            return a < 0 ? a + rank : a
        }
        /// The element count of a result shape, within `maxElements`.
        func count(_ shape: [Int]) throws -> Int {
            guard let n = checkedElementCount(shape), n <= maxElements else {
                throw TesseraError.unsupported(location: location, message: "\(op) of constants gives shape \(shapeText(shape)), more than the \(maxElements) values shape arithmetic may fold to")
            }
            return n
        }
        switch op {
        case "Identity", "Cast":
            return [try input(0)]
        case "Size":
            return [Value(shape: [], data: [Int64(try input(0).data.count)])]
        case "Add", "Sub", "Mul", "Div", "Equal":
            let a = try input(0), b = try input(1)
            guard let s = BroadcastSpec(a.shape, b.shape) else { throw fail("\(op) shapes do not broadcast") }
            var out: [Int64] = []
            out.reserveCapacity(try count(s.outputShape))
            var failure: TesseraError?
            ReferenceOps.forEachIndex(s.outputShape, [s.aStrides, s.bStrides]) { o in
                guard failure == nil else { return }
                let x = a.data[o[0]], y = b.data[o[1]]
                do {
                    switch op {
                    case "Add": out.append(try math.add(x, y))
                    case "Sub": out.append(try math.subtract(x, y))
                    case "Mul": out.append(try math.multiply(x, y))
                    case "Equal": out.append(x == y ? 1 : 0)
                    default: out.append(y == 0 ? 0 : try math.divide(x, y))
                    }
                } catch {
                    failure = error as? TesseraError
                }
            }
            if let failure { throw failure }
            return [Value(shape: s.outputShape, data: out)]
        case "Where":
            let c = try input(0), a = try input(1), b = try input(2)
            guard a.shape == c.shape, b.shape == c.shape else { return nil }
            return [Value(shape: c.shape, data: c.data.indices.map { c.data[$0] != 0 ? a.data[$0] : b.data[$0] })]
        case "Gather":
            let data = try input(0), idx = try input(1)
            let ax = try axis(int("axis", 0), data.shape.count)
            let shape = Array(data.shape[..<ax]) + idx.shape + Array(data.shape[(ax + 1)...])
            _ = try count(shape)
            let outer = data.shape[..<ax].reduce(1, *), inner = data.shape[(ax + 1)...].reduce(1, *), n = data.shape[ax]
            var out: [Int64] = []
            for o in 0..<outer {
                for raw in idx.data {
                    guard raw >= -Int64(n) && raw < Int64(n) else { throw fail("Gather index \(raw) out of range for size \(n)") }
                    let i = raw < 0 ? Int(raw) + n : Int(raw)
                    out += data.data[((o * n + i) * inner)..<((o * n + i + 1) * inner)]
                }
            }
            return [Value(shape: shape, data: out)]
        case "Concat":
            let values = try inputs.indices.map(input)
            guard let first = values.first, !first.shape.isEmpty else { throw fail("Concat needs inputs of rank >= 1") }
            let ax = try axis(int("axis", 0), first.shape.count)
            for v in values where v.shape.count != first.shape.count || v.shape.indices.contains(where: { $0 != ax && v.shape[$0] != first.shape[$0] }) {
                throw fail("Concat inputs \(values.map { shapeText($0.shape) }.joined(separator: ", ")) differ outside axis \(ax)")
            }
            var shape = first.shape
            shape[ax] = try CheckedArithmetic(location, "the Concat output shape").sum(values.map { $0.shape[ax] })
            _ = try count(shape)
            let outer = first.shape[..<ax].reduce(1, *)
            var out: [Int64] = []
            for o in 0..<outer {
                for v in values {
                    let chunk = v.shape[ax...].reduce(1, *)
                    out += v.data[(o * chunk)..<((o + 1) * chunk)]
                }
            }
            return [Value(shape: shape, data: out)]
        case "Unsqueeze", "Squeeze":
            let x = try input(0)
            var axes: [Int] = []
            if inputs.count > 1, let a = inputs[1] {
                axes = try a.data.map { v in
                    guard let i = Int(exactly: v), AttributeLimits.intRange.contains(i) else { throw fail("\(op) axis \(v) is out of range") }
                    return i
                }
            } else if case let .ints(a)? = attrs["axes"] { axes = a }
            if op == "Unsqueeze" {
                let rank = x.shape.count + axes.count
                let norm = try axes.map { try axis($0, rank) }
                guard Set(norm).count == norm.count else { throw fail("Unsqueeze axes \(shapeText(axes)) repeat an axis") }
                var shape: [Int] = [], rest = x.shape[...]
                for d in 0..<rank { shape.append(norm.contains(d) ? 1 : rest.removeFirst()) }
                return [Value(shape: shape, data: x.data)]
            }
            let norm = try axes.isEmpty ? x.shape.indices.filter { x.shape[$0] == 1 } : axes.map { try axis($0, x.shape.count) }
            for a in norm where x.shape[a] != 1 { throw fail("Squeeze axis \(a) has size \(x.shape[a]), not 1") }
            return [Value(shape: x.shape.indices.filter { !norm.contains($0) }.map { x.shape[$0] }, data: x.data)]
        case "Reshape":
            let x = try input(0), target = try input(1)
            var shape: [Int] = []
            var inferred: Int?
            for (d, v) in target.data.enumerated() {
                switch v {
                case -1:
                    guard inferred == nil else { throw fail("Reshape shape \(target.data) has more than one -1") }
                    inferred = d
                    shape.append(1)
                case 0 where d < x.shape.count: shape.append(x.shape[d])
                case _ where v < 0 || v > Int64(maxTensorElements):
                    throw fail("Reshape of \(x.data.count) values to \(target.data)")
                default: shape.append(Int(v))
                }
            }
            guard let known = checkedElementCount(shape) else { throw fail("Reshape of \(x.data.count) values to \(target.data)") }
            if let k = inferred {
                guard known > 0, x.data.count % known == 0 else { throw fail("Reshape of \(x.data.count) values to \(target.data)") }
                shape[k] = x.data.count / known
            } else if known != x.data.count {
                throw fail("Reshape of \(x.data.count) values to \(shapeText(shape))")
            }
            return [Value(shape: shape, data: x.data)]
        case "Slice":
            let x = try input(0)
            guard x.shape.count == 1 else { return nil }
            let n = x.data.count
            let rawStep = inputs.count > 4 ? try scalar(4) : 1
            guard rawStep != 0 else { throw fail("Slice step 0") }
            // Steps beyond the size behave like the size: clamping keeps the loops below
            // far from overflow.
            let step = Int(Swift.min(Swift.max(rawStep, -Int64(n) - 1), Int64(n) + 1))
            func clamp(_ v: Int64, _ lo: Int, _ hi: Int) -> Int {
                let bounded = Int(Swift.min(Swift.max(v, -Int64(Int32.max)), Int64(Int32.max)))
                return Swift.min(Swift.max(bounded < 0 ? bounded + n : bounded, lo), hi)
            }
            let start = try input(1).data.first ?? 0, end = try input(2).data.first ?? Int64(n)
            var out: [Int64] = []
            if step > 0 {
                var i = clamp(start, 0, n)
                while i < clamp(end, 0, n) { out.append(x.data[i]); i += step }
            } else {
                var i = clamp(start, 0, n - 1)
                while i > clamp(end, -1, n - 1) { out.append(x.data[i]); i += step }
            }
            return [Value(shape: [out.count], data: out)]
        case "ConstantOfShape":
            let shape = try input(0).data.map { v -> Int in
                guard v >= 0 && v <= Int64(maxTensorElements) else { throw fail("ConstantOfShape shape \(try input(0).data) is invalid") }
                return Int(v)
            }
            return [Value(shape: shape, data: [Int64](repeating: 0, count: try count(shape)))]
        case "Range":
            let start = try scalar(0), limit = try scalar(1), delta = try scalar(2)
            guard delta != 0 else { throw fail("Range delta 0") }
            // max(ceil((limit - start) / delta), 0) values, computed without overflow.
            let span = Double(limit) - Double(start), steps = (span / Double(delta)).rounded(.up)
            let n = steps > 0 ? steps : 0
            guard n <= Double(maxElements) else {
                throw TesseraError.unsupported(location: location, message: "Range of constants gives more than the \(maxElements) values shape arithmetic may fold to")
            }
            var out: [Int64] = []
            var v = start
            while (delta > 0 && v < limit) || (delta < 0 && v > limit) {
                out.append(v)
                let (next, overflow) = v.addingReportingOverflow(delta)
                if overflow { break }
                v = next
            }
            return [Value(shape: [out.count], data: out)]
        case "ReduceProd":
            let x = try input(0)
            return [Value(shape: int("keepdims", 1) == 1 ? x.shape.map { _ in 1 } : [], data: [try math.product(x.data)])]
        case "Expand":
            let x = try input(0), target = try input(1).data.map { v -> Int in
                guard v >= 0 && v <= Int64(maxTensorElements) else { throw fail("Expand shape \(try input(1).data) is invalid") }
                return Int(v)
            }
            guard let s = BroadcastSpec(x.shape, target) else { throw fail("Expand shapes do not broadcast") }
            var out: [Int64] = []
            out.reserveCapacity(try count(s.outputShape))
            ReferenceOps.forEachIndex(s.outputShape, [s.aStrides]) { o in out.append(x.data[o[0]]) }
            return [Value(shape: s.outputShape, data: out)]
        default:
            return nil
        }
    }
}
