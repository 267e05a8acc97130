import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// Depthwise outputs placed over their inputs at their rules' distance (pinned there,
/// OverlapRuleTests.pinned; on
/// Helium the kernels then walk pixel by pixel, TSR_WALK_FORWARD), on corstone300, rv32zfh
/// and the host (portable C), against the reference interpreter and, bit for bit, against
/// the same model with every output disjoint from its input. The shapes reach several channel blocks and a last
/// partial one, stride 2, outputs larger than their inputs (wide padding), activations in
/// registers and through a buffer, a 7x7 kernel, two images and two depthwise layers in a
/// row (the second writes over the first's output, which wrote over its input).
@Suite struct EmulatedOverlapTests {
    /// (channels, h, w, kernel, strides, pads t l b r, activation).
    static let shapes: [(Int, Int, Int, Int, [Int], [Int], (String, [(String, JSONValue)])?)] = [
        (16, 9, 13, 3, [1, 1], [1, 1, 1, 1], ("Relu", [])),
        (24, 12, 11, 3, [2, 2], [0, 1, 1, 0], ("Clip", [("min", .double(0)), ("max", .double(6))])),
        (17, 7, 9, 5, [1, 1], [2, 2, 2, 2], ("HardSwish", [])),
        (12, 5, 6, 3, [1, 1], [3, 2, 3, 2], nil),
        (9, 8, 8, 7, [1, 1], [3, 3, 3, 3], ("Relu", [])),
        (40, 4, 14, 3, [1, 2], [1, 2, 1, 2], nil),
    ]

    /// Per shape: x -> Relu -> depthwise -> Add(y, y) (the depthwise reads an arena tensor
    /// that dies there, and its output is not a graph output).
    static func model() -> ModelBuilder {
        var b = ModelBuilder("depthwise_in_place", seed: 61)
        for (i, s) in shapes.enumerated() {
            let (c, h, w, k, strides, pads, act) = s
            let x = b.node("Relu", [b.input("x\(i)", [1, c, h, w])], name: "in\(i)")
            let inputs = [x, b.weight("w\(i)", [c, 1, k, k], scale: 0.4), b.weight("b\(i)", [c])]
            var y = b.node("Conv", inputs, name: "dw\(i)", [("group", .int(c)), ("strides", ints(strides)), ("pads", ints(pads))])
            if let (op, attributes) = act { y = b.node(op, [y], name: "act\(i)", attributes) }
            b.output(b.node("Add", [y, y], name: "out\(i)"))
        }
        // Two images, two depthwise layers in a row.
        let x = b.node("Relu", [b.input("xb", [2, 16, 5, 6])], name: "inb")
        let y = b.node("Conv", [x, b.weight("wb", [16, 1, 3, 3], scale: 0.4)], name: "dwb", [("group", .int(16)), ("pads", ints([1, 1, 1, 1]))])
        let z = b.node("Conv", [y, b.weight("wc", [16, 1, 3, 3], scale: 0.4)], name: "dwc",
                       [("group", .int(16)), ("strides", ints([2, 2])), ("pads", ints([1, 1, 1, 1]))])
        b.output(b.node("Add", [z, z], name: "outb"))
        return b
    }

    static let layers = shapes.count + 2

    /// The depthwise layers whose output the plan put over their input (the placement
    /// overlaps those where it shrinks the arena; OverlapRuleTests pins each rule).
    static func overlapped(_ model: CompiledModel) -> Int {
        model.graph.nodes.indices.filter { model.plan.walks[$0] != nil && model.graph.nodes[$0].name.hasPrefix("dw") }.count
    }

    static let emulated: [(String, Precision)] = [Precision.fp32, .fp16, .fp16Acc16, .fp16Acc32].map { ("corstone300", $0) } + [("rv32zfh", .fp16)]

    @Test(arguments: emulated)
    func inPlaceOnTheEmulatorMatchesOutOfPlace(_ c: (String, Precision)) throws {
        let (target, precision) = c
        let graph = try Self.model().graph()
        let inPlace = try EmulatedKernelTests.runAndCompareOutputs(graph, target: target, precision: precision, seed: 62, inPlace: .never,
                                                                   pin: { $0.name.hasPrefix("dw") })
        let outOfPlace = try EmulatedKernelTests.runAndCompareOutputs(graph, target: target, precision: precision, seed: 62, inPlace: .never)
        // dwc reads dwb's output: one pair of the two; rv32zfh's scalar half kernel has no
        // pixel order with 17 or 9 channels (not a multiple of 4).
        #expect(Self.overlapped(inPlace.model) == (target == "rv32zfh" ? Self.layers - 3 : Self.layers - 1))
        #expect(outOfPlace.model.plan.walks.isEmpty)
        if target == "corstone300" {
            #expect(outOfPlace.model.plan.variants.filter { $0 == .depthwiseVector }.count == Self.layers)
        }
        try Self.expectSameBits(inPlace.outputs, outOfPlace.outputs, "\(target) at \(precision.rawValue), in place")
    }

    @Test(arguments: [Precision.fp32, .fp16])
    func inPlaceOnTheHostMatchesOutOfPlace(_ precision: Precision) throws {
        let graph = try Self.model().graph()
        let inputs = randomInputs(graph, seed: 63)
        let ordered = OrderedDictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, inputs[$0.name]!) })
        var results: [OrderedDictionary<String, TensorValue>] = []
        for policy in [InPlacePolicy.always, .never] {
            let options = CompileOptions(precision: precision, inPlace: .never)
            let model = policy == .always ? try OverlapRuleTests.pinned(graph, options) { $0.name.hasPrefix("dw") } : try Compiler.compile(graph, options: options)
            #expect(Self.overlapped(model) == (policy == .always ? Self.layers - 1 : 0))
            let outputs = try HostRunner.compileAndRun(model, inputs: ordered, checkMemory: true)
            let expected = try ReferenceInterpreter.run(model.graph, inputs: inputs)
            for name in graph.outputs {
                let cmp = Comparison(try #require(outputs[name]), try #require(expected[name]))
                #expect(cmp.within(relative: Tolerance.fp16(precision)), "host at \(precision.rawValue), \(policy), \(name): \(cmp)")
            }
            try ModelFileReference.expectClose(Dictionary(uniqueKeysWithValues: outputs.map { ($0.key, $0.value) }), graph, model, inputs: inputs,
                                               "host at \(precision.rawValue), \(policy)")
            results.append(outputs)
        }
        try Self.expectSameBits(results[0], results[1], "host at \(precision.rawValue), in place")
    }

    static func expectSameBits(_ a: OrderedDictionary<String, TensorValue>, _ b: OrderedDictionary<String, TensorValue>, _ label: String) throws {
        for (name, x) in a {
            let y = try #require(b[name])
            let differ = zip(x.data, y.data).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(x.data.count == y.data.count && differ == 0, "\(label), \(name): \(differ) values differ")
        }
    }
}
