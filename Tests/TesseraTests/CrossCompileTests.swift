import Foundation
import Testing
@testable import Tessera

/// The generated C compiles warning-free for a Cortex-M4 with the Arm GNU toolchain.
@Suite struct CrossCompileTests {
    static let flags = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-O2"] + HostRunner.strictFlags

    @Test(arguments: ["digits_cnn"] + SyntheticModels.names)
    func generatedCodeCompilesForCortexM4(_ name: String) throws {
        try #require(TestEnvironment.hasTool("arm-none-eabi-gcc"), "arm-none-eabi-gcc missing: run `make deps`")
        let graph = name == "digits_cnn"
            ? try FrontEnd.load(path: TestEnvironment.repositoryRoot.path + "/Examples/digits_cnn.json")
            : try SyntheticModels.named(name).graph()
        let model = try Compiler.compile(graph)
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        try Compiler.write(model, to: dir)
        for file in model.files.map(\.name) where file.hasSuffix(".c") {
            let result = try Shell.run("arm-none-eabi-gcc", Self.flags + ["-c", file, "-o", file + ".o"], directory: dir)
            #expect(result.status == 0, "\(name)/\(file):\n\(result.output)")
            #expect(result.output.isEmpty, "\(name)/\(file) printed diagnostics:\n\(result.output)")
        }
    }
}
