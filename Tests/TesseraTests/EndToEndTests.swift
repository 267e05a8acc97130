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
