/// Import-time evaluation of the integer "shape arithmetic" that exporters emit around
/// Reshape (Shape -> Gather -> Unsqueeze -> Concat, ...). Shapes are static in Tessera, so
/// these chains always fold to constants.
enum ShapeArithmetic {
    /// An integer tensor.
    struct Value {
        var shape: [Int]
        var data: [Int64]
    }

    static let ops: Set<String> = ["Shape", "Size", "Gather", "Concat", "Unsqueeze", "Squeeze", "Slice", "Add", "Sub", "Mul",
                                   "Div", "Reshape", "Cast", "ConstantOfShape", "Identity", "Range", "ReduceProd", "Equal", "Where", "Expand"]

    /// Evaluates `op` on integer inputs; nil when the op is not integer arithmetic Tessera
    /// folds. Throws on malformed operands.
    static func evaluate(_ op: String, _ inputs: [Value?], _ attrs: [String: AttributeValue], at location: String) throws -> [Value]? {
        func fail(_ m: String) -> TesseraError { .invalidModel(location: location, message: m) }
        func int(_ k: String, _ d: Int) -> Int { if case let .int(v)? = attrs[k] { return v } else { return d } }
        func input(_ i: Int) throws -> Value {
            guard i < inputs.count, let v = inputs[i] else { throw fail("\(op) input \(i) must be a constant") }
            return v
        }
        func axis(_ a: Int, _ rank: Int) throws -> Int {
            guard a >= -rank && a < rank else { throw fail("axis \(a) out of range for rank \(rank)") }
            return a < 0 ? a + rank : a
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
            ReferenceOps.forEachIndex(s.outputShape, [s.aStrides, s.bStrides]) { o in
                let x = a.data[o[0]], y = b.data[o[1]]
                switch op {
                case "Add": out.append(x &+ y)
                case "Sub": out.append(x &- y)
                case "Mul": out.append(x &* y)
                case "Equal": out.append(x == y ? 1 : 0)
                default: out.append(y == 0 ? 0 : x / y)
                }
            }
            return [Value(shape: s.outputShape, data: out)]
        case "Where":
            let c = try input(0), a = try input(1), b = try input(2)
            guard a.shape == c.shape, b.shape == c.shape else { return nil }
            return [Value(shape: c.shape, data: c.data.indices.map { c.data[$0] != 0 ? a.data[$0] : b.data[$0] })]
        case "Gather":
            let data = try input(0), idx = try input(1)
            let ax = try axis(int("axis", 0), data.shape.count)
            let outer = data.shape[..<ax].reduce(1, *), inner = data.shape[(ax + 1)...].reduce(1, *), n = data.shape[ax]
            var out: [Int64] = []
            for o in 0..<outer {
                for raw in idx.data {
                    let i = raw < 0 ? Int(raw) + n : Int(raw)
                    guard i >= 0 && i < n else { throw fail("Gather index \(raw) out of range for size \(n)") }
                    out += data.data[((o * n + i) * inner)..<((o * n + i + 1) * inner)]
                }
            }
            return [Value(shape: Array(data.shape[..<ax]) + idx.shape + Array(data.shape[(ax + 1)...]), data: out)]
        case "Concat":
            let values = try inputs.indices.map(input)
            guard let first = values.first, !first.shape.isEmpty else { throw fail("Concat needs inputs of rank >= 1") }
            let ax = try axis(int("axis", 0), first.shape.count)
            let outer = first.shape[..<ax].reduce(1, *)
            var out: [Int64] = [], shape = first.shape
            shape[ax] = values.map { $0.shape[ax] }.reduce(0, +)
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
            if inputs.count > 1, let a = inputs[1] { axes = a.data.map { Int($0) } } else if case let .ints(a)? = attrs["axes"] { axes = a }
            if op == "Unsqueeze" {
                let rank = x.shape.count + axes.count
                let norm = try axes.map { try axis($0, rank) }
                var shape: [Int] = [], rest = x.shape[...]
                for d in 0..<rank { shape.append(norm.contains(d) ? 1 : rest.removeFirst()) }
                return [Value(shape: shape, data: x.data)]
            }
            let norm = try axes.isEmpty ? x.shape.indices.filter { x.shape[$0] == 1 } : axes.map { try axis($0, x.shape.count) }
            return [Value(shape: x.shape.indices.filter { !norm.contains($0) }.map { x.shape[$0] }, data: x.data)]
        case "Reshape":
            let x = try input(0), target = try input(1)
            var shape = target.data.enumerated().map { $0.element == 0 && $0.offset < x.shape.count ? x.shape[$0.offset] : Int($0.element) }
            if let k = shape.firstIndex(of: -1) {
                let known = shape.filter { $0 != -1 }.reduce(1, *)
                shape[k] = known == 0 ? 0 : x.data.count / known
            }
            guard shape.reduce(1, *) == x.data.count else { throw fail("Reshape of \(x.data.count) values to \(shapeText(shape))") }
            return [Value(shape: shape, data: x.data)]
        case "Slice":
            let x = try input(0)
            guard x.shape.count == 1 else { return nil }
            let n = x.data.count
            let step = inputs.count > 4 ? Int(try input(4).data.first ?? 1) : 1
            guard step != 0 else { throw fail("Slice step 0") }
            func clamp(_ v: Int64, _ lo: Int, _ hi: Int) -> Int { Swift.min(Swift.max(v < 0 ? Int(Swift.max(v, -Int64(Int32.max))) + n : Int(Swift.min(v, Int64(Int32.max))), lo), hi) }
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
            let shape = try input(0).data.map { Int($0) }
            guard let count = checkedElementCount(shape) else { throw fail("ConstantOfShape shape \(shapeText(shape)) is invalid") }
            return [Value(shape: shape, data: [Int64](repeating: 0, count: count))]
        case "Range":
            let start = try input(0).data[0], limit = try input(1).data[0], delta = try input(2).data[0]
            guard delta != 0 else { throw fail("Range delta 0") }
            var out: [Int64] = [], v = start
            while (delta > 0 && v < limit) || (delta < 0 && v > limit) { out.append(v); v += delta }
            return [Value(shape: [out.count], data: out)]
        case "ReduceProd":
            let x = try input(0)
            return [Value(shape: int("keepdims", 1) == 1 ? x.shape.map { _ in 1 } : [], data: [x.data.reduce(1, *)])]
        case "Expand":
            let x = try input(0), target = try input(1).data.map { Int($0) }
            guard let s = BroadcastSpec(x.shape, target) else { throw fail("Expand shapes do not broadcast") }
            var out: [Int64] = []
            ReferenceOps.forEachIndex(s.outputShape, [s.aStrides]) { o in out.append(x.data[o[0]]) }
            return [Value(shape: s.outputShape, data: out)]
        default:
            return nil
        }
    }
}
