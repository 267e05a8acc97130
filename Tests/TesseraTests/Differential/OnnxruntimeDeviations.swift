@testable import Tessera

/// Where onnxruntime does not follow the ONNX specification, the differential test gives it
/// an equivalent model instead of the case's own.
///
/// auto_pad SAME_UPPER / SAME_LOWER with dilations: onnxruntime 1.31 rejects it on Conv
/// ("Dilation not supported for AutoPadType::SAME_UPPER or AutoPadType::SAME_LOWER") and
/// computes MaxPool's and AveragePool's padding from the undilated kernel (a 4x4 window
/// dilated by 2, stride 1, on 7x7 gives it 4x4 outputs where the specification's
/// ceil(7 / 1) is 7). The model it runs states the padding explicitly instead, worked out
/// here from the specification's formula (not from Tessera's SpatialGeometry): for each
/// spatial axis, output = ceil(input / stride), total padding = max(0, (output - 1) * stride
/// + (kernel - 1) * dilation + 1 - input), the odd one at the end for SAME_UPPER and at the
/// beginning for SAME_LOWER. Where the formula's total is negative (a stride longer than
/// the window: 1x4 windows at stride 3 on 2 rows), onnxruntime fails ("padding values must
/// be non-negative"); no padding gives the specification's ceil(input / stride) outputs
/// there, and is what it runs.
enum OnnxruntimeDeviations {
    /// The graph onnxruntime runs for `graph`, and what was changed (nil: the graph itself).
    static func reference(for graph: Graph) -> (graph: Graph, note: String)? {
        var g = graph
        var changed: [String] = []
        for (i, node) in g.nodes.enumerated() where [.conv, .maxPool, .averagePool].contains(node.op) {
            guard case let .string(mode)? = node.attributes["auto_pad"], mode == "SAME_UPPER" || mode == "SAME_LOWER",
                  let x = graph.types[node.inputs[0]]?.shape, x.count == 4 else { continue }
            let dilations: [Int] = if case let .ints(d)? = node.attributes["dilations"] { d } else { [1, 1] }
            let kernel: [Int]
            if node.op == .conv, let w = graph.types[node.inputs[1]]?.shape {
                kernel = [w[2], w[3]]
            } else if case let .ints(k)? = node.attributes["kernel_shape"] {
                kernel = k
            } else {
                continue
            }
            let strides: [Int] = if case let .ints(s)? = node.attributes["strides"] { s } else { [1, 1] }
            var begin: [Int] = [], end: [Int] = []
            var negative = false
            for axis in 0..<2 {
                let input = x[2 + axis], stride = strides[axis]
                let output = (input + stride - 1) / stride
                let formula = (output - 1) * stride + (kernel[axis] - 1) * dilations[axis] + 1 - input
                negative = negative || formula < 0
                let total = max(0, formula)
                let small = total / 2
                begin.append(mode == "SAME_UPPER" ? small : total - small)
                end.append(total - begin[axis])
            }
            guard negative || dilations.contains(where: { $0 > 1 }) else { continue }
            var n = node
            n.attributes["auto_pad"] = nil
            n.attributes["pads"] = .ints(begin + end)
            g.nodes[i] = n
            changed.append("\(node.name): \(mode) as pads \(shapeText(begin + end))")
        }
        return changed.isEmpty ? nil : (g, "onnxruntime given explicit pads: " + changed.joined(separator: "; "))
    }
}
