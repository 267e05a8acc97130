@testable import Tessera

/// Building blocks of the region analysis tests: spatial ops in model JSON, the graph the
/// passes leave, stages by node name.
extension ModelBuilder {
    /// A Conv of `x` (with `cin` channels) to `cout` channels; pads are ONNX's
    /// (top, left, bottom, right). Random weights and bias.
    @discardableResult
    mutating func conv(_ x: String, _ cin: Int, _ cout: Int, name: String, k: (Int, Int) = (3, 3), stride: (Int, Int) = (1, 1),
                       dilation: (Int, Int) = (1, 1), pads: [Int] = [1, 1, 1, 1], group: Int = 1, bias: Bool = true) -> String {
        let w = weight("\(name)_w", [cout, cin / group, k.0, k.1])
        var inputs = [x, w]
        if bias { inputs.append(weight("\(name)_b", [cout])) }
        return node("Conv", inputs, name: name, outputs: [name], [
            ("kernel_shape", ints([k.0, k.1])), ("strides", ints([stride.0, stride.1])), ("dilations", ints([dilation.0, dilation.1])),
            ("pads", ints(pads)), ("group", .int(group)),
        ])
    }

    @discardableResult
    mutating func pool(_ op: String, _ x: String, name: String, k: (Int, Int), stride: (Int, Int), pads: [Int] = [0, 0, 0, 0],
                       dilation: (Int, Int) = (1, 1), ceil: Bool = false) -> String {
        node(op, [x], name: name, outputs: [name], [
            ("kernel_shape", ints([k.0, k.1])), ("strides", ints([stride.0, stride.1])), ("pads", ints(pads)),
            ("dilations", ints([dilation.0, dilation.1])), ("ceil_mode", .int(ceil ? 1 : 0)),
        ])
    }
}

enum RegionTests {
    /// The graph the passes leave (NHWC between spatial ops): what the analysis works on.
    static func compiled(_ b: ModelBuilder) throws -> Graph { try Pipeline.run(try b.graph()) }

    /// The stage of the named nodes of `graph`; names the passes removed are skipped.
    static func stage(_ graph: Graph, _ names: [String]) throws -> Stage {
        try Stage(graph, names: names.filter { n in graph.nodes.contains { $0.name == n } })
    }

    /// Rows h0..<h1, columns w0..<w1.
    static func rect(_ h0: Int, _ h1: Int, _ w0: Int, _ w1: Int) -> Rect { Rect(h0: h0, h1: h1, w0: w0, w1: w1) }

    static func pad(_ top: Int, _ left: Int, _ bottom: Int, _ right: Int) -> Padding {
        Padding(top: top, left: left, bottom: bottom, right: right)
    }
}
