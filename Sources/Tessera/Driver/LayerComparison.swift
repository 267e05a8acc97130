/// Reads the layer dumps of the harness and the firmware (`D <layer> <output> <count> [h]`,
/// then hex words, 8 per line: float32 bits, or float16 bits with `h`).
public enum LayerDump {
    public static func parse(_ text: String) throws -> [LayerKey: [Float]] {
        var result: [LayerKey: [Float]] = [:]
        var current: (LayerKey, Int)?
        var half = false
        var values: [Float] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.first == "D", fields.count == 4 || fields.count == 5 {
                current = (LayerKey(layer: Int(fields[1]) ?? 0, output: Int(fields[2]) ?? 0), Int(fields[3]) ?? 0)
                half = fields.count == 5
                values = []
                continue
            }
            guard let (key, count) = current else { continue }
            for w in fields {
                guard let bits = UInt32(w, radix: 16) else { throw TesseraError.internalError("bad layer dump value \(w)") }
                values.append(half ? Float(Float16(bitPattern: UInt16(truncatingIfNeeded: bits))) : Float(bitPattern: bits))
            }
            if values.count >= count {
                result[key] = values
                current = nil
            }
        }
        return result
    }
}

/// `--compare-layers`: every layer's output from the generated code against the reference
/// interpreter on the same (compiled) graph, in schedule order.
public struct LayerComparison: Sendable {
    public struct Row: Sendable {
        public var layer: Int
        public var node: String
        public var tensor: String
        public var comparison: Comparison
    }

    public var rows: [Row]
    public var tolerance: Double

    public init(graph: Graph, inputs: [String: TensorValue], dumps: [LayerKey: [Float]], tolerance: Double) throws {
        let reference = try ReferenceInterpreter.runAll(graph, inputs: inputs)
        self.tolerance = tolerance
        rows = []
        for (i, node) in graph.nodes.enumerated() {
            for (k, tensor) in node.outputs.enumerated() {
                guard let expected = reference[tensor], let got = dumps[LayerKey(layer: i, output: k)] else { continue }
                let actual = got.count == expected.count ? TensorValue(shape: expected.shape, data: got) : TensorValue(shape: [got.count], data: got)
                rows.append(Row(layer: i, node: node.name, tensor: tensor, comparison: Comparison(actual, expected)))
            }
        }
    }

    /// The first layer whose output differs beyond the tolerance.
    public var firstMismatch: Row? { rows.first { !$0.comparison.within(relative: tolerance) } }

    /// One paragraph for the terminal.
    public func text(_ graph: Graph) -> String {
        guard let bad = firstMismatch else {
            return "all \(rows.count) layer outputs match the reference interpreter within \(tolerance) (relative)\n"
        }
        let c = bad.comparison
        let shape = graph.types[bad.tensor]?.shape ?? []
        var index: [Int] = []
        var rest = c.worstIndex
        for d in shape.reversed() {
            index.insert(rest % Swift.max(d, 1), at: 0)
            rest /= Swift.max(d, 1)
        }
        let node = graph.nodes[bad.layer]
        return """
            first layer that differs: \(node.location) (\(node.op.name)), output "\(bad.tensor)" \(shapeText(shape))
              \(c)
              worst element \(shapeText(index)) (flat \(c.worstIndex)): generated code \(c.worstActual), reference \(c.worstExpected)
              \(rows.filter { $0.layer < bad.layer }.count) earlier layer outputs match within \(tolerance)

            """
    }
}
