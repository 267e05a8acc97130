import Foundation
import Testing
@testable import Tessera

/// Model JSON in, C out, built with -Werror by gcc and clang, run through the host
/// harness, outputs equal to the reference interpreter.
@Suite struct EndToEndTests {
    static let tolerance = 1e-5

    static let compilers = ["gcc", "clang"]

    @Test(arguments: SyntheticModels.names, compilers)
    func generatedCodeMatchesTheReference(model: String, compiler: String) throws {
        try #require(TestEnvironment.hasTool(compiler), "\(compiler) is not installed")
        let builder = SyntheticModels.named(model)
        let graph = try builder.graph()
        for seed: UInt64 in [1, 2] {
            let inputs = randomInputs(graph, seed: seed)
            let expected = try ReferenceInterpreter.run(graph, inputs: inputs)
            let actual = try runOnHost(graph, inputs, compiler: compiler)
            #expect(Set(actual.keys) == Set(graph.outputs))
            for name in graph.outputs {
                let c = Comparison(try #require(actual[name]), try #require(expected[name]))
                #expect(c.within(relative: Self.tolerance), "\(model) output \(name) with \(compiler): \(c)")
            }
        }
    }

    @Test func bundledExampleClassifiesItsDigit() throws {
        let root = TestEnvironment.repositoryRoot.path
        let graph = try FrontEnd.load(path: root + "/Examples/digits_cnn.json")
        let inputs = try TensorsJSON.read(path: root + "/Examples/digits_cnn.input.json")
        let outputs = try runOnHost(graph, Dictionary(uniqueKeysWithValues: inputs.map { ($0.key, $0.value) }))
        let probabilities = try #require(outputs["probabilities"]).data
        // Examples/README.md: the bundled input is a 7 from the test split.
        #expect(probabilities.firstIndex(of: probabilities.max()!) == 7)
        #expect(abs(probabilities.reduce(0, +) - 1) < 1e-5)
    }

    @Test func harnessRejectsAWrongInputShape() throws {
        var b = ModelBuilder("shape_check")
        b.input("x", [1, 4])
        b.output(b.node("Relu", ["x"], outputs: ["y"]))
        let graph = try b.graph()
        #expect(throws: TesseraError.self) {
            _ = try runOnHost(graph, ["x": TensorValue(shape: [1, 3], data: [1, 2, 3])])
        }
    }
}

/// Generated C that must still build warning-free in corners of the input: a weight beyond
/// the largest half (an infinite half in the weights, `HUGE_VALF`, which needs <math.h>), and
/// names that would spell C trigraphs (`??=` and so on) in the descriptor's string literals.
@Suite struct GeneratedCCornerTests {
    @Test func aWeightBeyondTheLargestHalfBuildsAtFP16() throws {
        var b = ModelBuilder("big_weight", seed: 3)
        b.input("x", [1, 4])
        let w = b.constant("w", [4, 4], [1e5, 0.5, -0.25, 1, 0, 1, 0, 0, 0, 0, 1, 0, -1e5, 0, 0, 1])
        b.output(b.node("MatMul", ["x", w], name: "mm", outputs: ["y"]))
        let graph = try b.graph()
        let model = try Compiler.compile(graph, options: CompileOptions(precision: .fp16))
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let exe = try HostRunner.build(model, in: dir, checkMemory: true)
        let x = TensorValue(shape: [1, 4], data: [0, 1, 0, 0])
        let y = try #require(try HostRunner.run(executable: exe, inputs: ["x": x], in: dir)["y"])
        // y is row 1 of w, (0, 1, 0, 0), but for column 0, where 0 times the infinite
        // weights of rows 0 and 3 is NaN, as IEEE arithmetic has it.
        #expect(y.data[0].isNaN && Array(y.data[1...]) == [1, 0, 0], "\(y.data)")
    }

    @Test func namesThatSpellTrigraphsBuild() throws {
        var b = ModelBuilder("trigraphs", seed: 4)
        b.input("in??/put", [1, 3])
        b.output(b.node("Relu", ["in??/put"], name: "relu??!", outputs: ["out??'"]))
        let graph = try b.graph()
        let x = TensorValue(shape: [1, 3], data: [-1, 0.5, 2])
        let y = try #require(try runOnHost(graph, ["in??/put": x])["out??'"])
        #expect(y.data == [0, 0.5, 2])
    }
}
