import Foundation
@testable import Tessera

/// The sweep's data-movement families: Concat and Split, Slice, Pad, Resize, the shape ops
/// and Softmax (see DifferentialSweep).
extension DifferentialSweep {
    static func concatSplit(_ set: inout CaseSet) {
        var rng = SeededRandom(seed: 108)
        var k = 0
        for rank in 1...4 {
            for axis in Array(0..<rank) + [-1, -rank] {
                let base = shape(&rng, rank: rank, budget: 120)
                let parts = rng.draw(2...4)
                let normalized = axis < 0 ? axis + rank : axis
                var b = ModelBuilder("concat\(k)", seed: 9000 + UInt64(k))
                var inputs: [String] = []
                for p in 0..<parts {
                    var s = base
                    s[normalized] = rng.draw(1...4)
                    inputs.append(p == 1 && rng.chance(0.4) ? b.weight("k\(p)", s) : b.input("x\(p)", s))
                }
                var attributes: [(String, JSONValue)] = []
                if axis != 1 || rng.chance(0.5) { attributes.append(("axis", .int(axis))) }
                b.output(b.node("Concat", inputs, name: "concat", outputs: ["y"], attributes))
                set.add("Concat", b)
                k += 1
            }
        }
        k = 0
        for rank in 1...4 {
            for axis in Array(0..<rank) + [-1] {
                var s = shape(&rng, rank: rank, budget: 120)
                let normalized = axis < 0 ? axis + rank : axis
                s[normalized] = rng.draw(4...8)
                let form = k % 4  // 0: split attribute, 1: split input, 2: num_outputs, 3: neither (equal parts)
                var sizes: [Int] = []
                var left = s[normalized]
                while left > 0 {
                    let size = min(left, rng.draw(1...3))
                    sizes.append(size)
                    left -= size
                }
                var outputs = sizes.count
                if form == 2 {
                    outputs = rng.draw(2...3)
                    // Every part non-empty: only the last chunk may be smaller.
                    while (s[normalized] + outputs - 1) / outputs * (outputs - 1) >= s[normalized] { outputs -= 1 }
                } else if form == 3 {
                    outputs = rng.draw(2...3)
                    s[normalized] = outputs * rng.draw(1...3)
                }
                var b = ModelBuilder("split\(k)", seed: 9500 + UInt64(k))
                b.input("x", s)
                var inputs = ["x"]
                var attributes: [(String, JSONValue)] = [("axis", .int(axis))]
                switch form {
                case 0: attributes.append(("split", ints(sizes)))
                case 1: inputs.append(b.int64("split", sizes))
                case 2: attributes.append(("num_outputs", .int(outputs)))
                default: break
                }
                let names = (0..<outputs).map { "y\($0)" }
                b.node("Split", inputs, name: "split", outputs: names, attributes)
                for name in names { b.output(name) }
                set.add("Split", b)
                k += 1
            }
        }
    }

    static func slice(_ set: inout CaseSet) {
        var rng = SeededRandom(seed: 109)
        let big = Int(Int64.max), small = Int(Int64.min)
        var made = 0
        var attempt = 0
        while made < 40 && attempt < 400 {
            attempt += 1
            let rank = rng.draw(1...4)
            let x = (0..<rank).map { _ in rng.draw(2...7) }
            let count = rng.draw(1...rank)
            let withAxes = rng.chance(0.7)
            let axes = withAxes ? Array(rng.shuffled(Array(0..<rank)).prefix(count)) : Array(0..<count)
            var starts: [Int] = [], ends: [Int] = [], steps: [Int] = []
            for axis in axes {
                let dim = x[axis]
                let step = rng.pick([1, 1, 2, 3, -1, -1, -2, -3])
                func bound() -> Int {
                    switch rng.draw(0...5) {
                    case 0: return step > 0 ? big : small
                    case 1: return step > 0 ? small : big
                    default: return rng.draw((-dim - 2)...(dim + 2))
                    }
                }
                starts.append(bound())
                ends.append(bound())
                steps.append(step)
            }
            var b = ModelBuilder("slice\(made)", seed: 10_000 + UInt64(made))
            b.input("x", x)
            var inputs = ["x", b.int64("starts", starts), b.int64("ends", ends)]
            let withSteps = steps.contains { $0 != 1 } || rng.chance(0.3)
            if withAxes || withSteps {
                let shown = axes.map { rng.chance(0.3) ? $0 - rank : $0 }
                inputs.append(withAxes ? b.int64("axes", shown) : "")
            }
            if withSteps { inputs.append(b.int64("steps", steps)) }
            if inputs.last == "" { inputs.removeLast() }
            b.output(b.node("Slice", inputs, name: "slice", outputs: ["y"]))
            if set.add("Slice", b, mayReject: true) { made += 1 }
        }
    }

    static func pad(_ set: inout CaseSet) {
        var rng = SeededRandom(seed: 110)
        for i in 0..<14 {
            let rank = rng.draw(1...4)
            let x = shape(&rng, rank: rank, budget: 150)
            let withAxes = rng.chance(0.35)
            let axes = withAxes ? Array(rng.shuffled(Array(0..<rank)).prefix(rng.draw(1...rank))) : Array(0..<rank)
            var pads = (0..<(2 * axes.count)).map { _ in rng.chance(0.6) ? rng.draw(1...3) : 0 }
            if pads.allSatisfy({ $0 == 0 }) { pads[0] = 2 }
            var b = ModelBuilder("pad\(i)", seed: 11_000 + UInt64(i))
            b.input("x", x)
            var inputs = ["x", b.int64("pads", pads)]
            let value = rng.chance(0.5)
            if value || withAxes { inputs.append(value ? b.constant("value", rng.chance(0.5) ? [] : [1], [rng.uniform(-2, 2)]) : "") }
            if withAxes { inputs.append(b.int64("axes", axes.map { rng.chance(0.3) ? $0 - rank : $0 })) }
            let attributes: [(String, JSONValue)] = rng.chance(0.3) ? [("mode", .string("constant"))] : []
            b.output(b.node("Pad", inputs, name: "pad", outputs: ["y"], attributes))
            set.add("Pad", b)
        }
    }

    static func resize(_ set: inout CaseSet) {
        var rng = SeededRandom(seed: 111)
        let transforms = ["half_pixel", "pytorch_half_pixel", "asymmetric", "align_corners", "tf_half_pixel_for_nn"]
        let roundings = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]
        // Binary fractions: onnxruntime computes the source coordinates in float32, ONNX's
        // reference implementation (and Tessera) in float64; with a scale such as 0.6 a
        // coordinate can land within float32 rounding of an integer, where the two pick
        // different pixels. With these scales every coordinate is either exact in both or
        // far from a rounding boundary.
        let scales = [0.5, 0.625, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3]
        var k = 0
        for transform in transforms {
            for rounding in roundings {
                for bySizes in [false, true] where !bySizes || (k % 3 == 0) {
                    let x = [rng.chance(0.2) ? 2 : 1, rng.draw(1...3), rng.draw(3...7), rng.draw(3...7)]
                    var b = ModelBuilder("resize\(k)", seed: 12_000 + UInt64(k))
                    b.input("x", x)
                    var inputs = ["x", ""]
                    // onnxruntime copies an axis whose scale is 1 whatever the transformation;
                    // the formulas agree with that but for tf_half_pixel_for_nn's half-pixel
                    // shift, whose cases therefore scale both axes.
                    let unit = transform != "tf_half_pixel_for_nn"
                    if bySizes {
                        func size(_ n: Int) -> Int {
                            while true {
                                let s = rng.draw(1...12)
                                if unit || s != n { return s }
                            }
                        }
                        inputs += ["", b.int64("sizes", [x[0], x[1], size(x[2]), size(x[3])])]
                    } else {
                        let usable = unit ? scales : scales.filter { $0 != 1 }
                        let sh = rng.pick(usable), sw = rng.pick(usable)
                        inputs.append(b.constant("scales", [4], [1, 1, Float(sh), Float(sw)]))
                    }
                    var attributes: [(String, JSONValue)] = [("coordinate_transformation_mode", .string(transform)), ("nearest_mode", .string(rounding))]
                    if rng.chance(0.6) { attributes.append(("mode", .string("nearest"))) }
                    b.output(b.node("Resize", inputs, name: "resize", outputs: ["y"], attributes))
                    set.add("Resize", b)
                    k += 1
                }
            }
        }
        // The defaults (nearest, half_pixel, round_prefer_floor), and explicit defaults of
        // the attributes opset 18 added.
        var b = ModelBuilder("resize_defaults", seed: 12_500)
        b.input("x", [1, 2, 4, 5])
        b.output(b.node("Resize", ["x", "", b.constant("scales", [4], [1, 1, 1.5, 0.75])], name: "resize", outputs: ["y"]))
        set.add("Resize", b)
        b = ModelBuilder("resize_explicit", seed: 12_501)
        b.input("x", [1, 2, 4, 5])
        b.output(b.node("Resize", ["x", "", b.constant("scales", [4], [1, 1, 2, 2])], name: "resize", outputs: ["y"],
                        [("antialias", .int(0)), ("keep_aspect_ratio_policy", .string("stretch")), ("exclude_outside", .int(0))]))
        set.add("Resize", b)
    }

    static func shapes(_ set: inout CaseSet) {
        func one(_ family: String, _ op: String, _ x: [Int], _ attributes: [(String, JSONValue)] = [], int64 operand: [Int]? = nil,
                 outputs: Int = 1, extra: (inout ModelBuilder) -> [String] = { _ in [] }) {
            var b = ModelBuilder("\(op.lowercased())", seed: 13_000)
            b.input("x", x)
            var inputs = ["x"]
            if let operand { inputs.append(b.int64("operand", operand)) }
            inputs += extra(&b)
            let names = (0..<outputs).map { $0 == 0 ? "y" : "y\($0)" }
            b.node(op, inputs, name: op.lowercased(), outputs: names, attributes)
            b.output("y")
            set.add(family, b)
        }
        for axis in [0, 1, 2, 3, -1, -3] { one("Flatten", "Flatten", [2, 3, 4], [("axis", .int(axis))]) }
        one("Flatten", "Flatten", [5])
        one("Flatten", "Flatten", [2, 3, 4, 5], [("axis", .int(2))])
        for (x, target) in [([2, 3, 4], [0, -1]), ([2, 3, 4], [4, -1, 2]), ([2, 3, 4], [24]), ([2, 3, 4, 5], [2, 0, -1]), ([6], [2, 3]), ([1, 2, 3], [3, 1, 2])] {
            one("Reshape", "Reshape", x, target == [0, -1] ? [("allowzero", .int(0))] : [], int64: target)
        }
        one("Squeeze", "Squeeze", [1, 3, 1, 4], [("axes", ints([0]))])
        one("Squeeze", "Squeeze", [1, 3, 1, 4], int64: [0, 2])
        one("Squeeze", "Squeeze", [1, 3, 1, 4], int64: [-2])
        one("Squeeze", "Squeeze", [1, 3, 1, 4])
        one("Squeeze", "Squeeze", [3, 1], [("axes", ints([1]))])
        one("Unsqueeze", "Unsqueeze", [3, 4], [("axes", ints([0]))])
        one("Unsqueeze", "Unsqueeze", [3, 4], int64: [-1])
        one("Unsqueeze", "Unsqueeze", [3, 4], int64: [0, 3])
        one("Unsqueeze", "Unsqueeze", [2, 3, 4], int64: [1, -1])
        one("Unsqueeze", "Unsqueeze", [5], [("axes", ints([0, 1, 2]))])
        let perms: [[Int]?] = [[1, 0], nil, [0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0], nil,
                               [0, 2, 3, 1], [0, 3, 1, 2], [3, 2, 1, 0], [1, 0, 3, 2], [2, 0, 3, 1], nil, [4, 0, 2, 1, 3], [5, 3, 1, 0, 2, 4]]
        let ranks = [2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 5, 6]
        for (perm, rank) in zip(perms, ranks) {
            let x = Array([2, 3, 4, 5, 2, 3].prefix(rank))
            one("Transpose", "Transpose", x, perm.map { [("perm", ints($0))] } ?? [])
        }
        one("Identity", "Identity", [2, 3])
        one("Dropout", "Dropout", [2, 3, 4])
        one("Dropout", "Dropout", [2, 3, 4], [("ratio", .double(0.3)), ("seed", .int(5))])
        one("Dropout", "Dropout", [3, 4], outputs: 2)
        one("Dropout", "Dropout", [3, 4]) { b in [b.constant("ratio", [], [0.25]), b.int64("training_mode", [0])] }
    }

    static func softmax(_ set: inout CaseSet) {
        let specs: [([Int], Int?)] = [([6], 0), ([6], -1), ([6], nil), ([3, 5], 0), ([3, 5], 1), ([2, 3, 4], 0), ([2, 3, 4], 1),
                                      ([2, 3, 4], 2), ([2, 3, 4, 3], 1), ([2, 3, 4, 3], -1), ([2, 3, 4, 3], -3), ([1, 4, 1, 5], 2)]
        for op in ["Softmax", "LogSoftmax"] {
            for (i, (x, axis)) in specs.enumerated() {
                var b = ModelBuilder("\(op.lowercased())\(i)", seed: 14_000 + UInt64(i))
                b.input("x", x)
                b.output(b.node(op, ["x"], name: "softmax", outputs: ["y"], axis.map { [("axis", .int($0))] } ?? []))
                set.add(op, b, default: .uniform(-3, 3))
            }
        }
    }
}
