import Foundation
import Testing
@testable import Tessera

/// The generated C compiles warning-free for every MCU core, the way a user's firmware build
/// compiles it: the target's compiler and flags, the strict warnings and picolibc's headers,
/// exactly as `tessera run` does (`FirmwareBuild.compileFlags`), never the compiler's default
/// C library.
@Suite struct CrossCompileTests {
    /// One target per core and compiler: Cortex-M4, M7 and M33 with arm-none-eabi-gcc,
    /// Cortex-M55 (Helium) and RV32 Zfh with clang.
    static let targets = ["stm32f469", "stm32h743", "stm32u585", "corstone300", "rv32zfh"]

    static func graph(_ name: String) throws -> Graph {
        name == "digits_cnn"
            ? try FrontEnd.load(path: TestEnvironment.repositoryRoot.path + "/Examples/digits_cnn.json")
            : try SyntheticModels.named(name).graph()
    }

    @Test(arguments: targets)
    func generatedCodeCompilesForTheTarget(_ targetName: String) throws {
        let target = try TargetRegistry.named(targetName)
        try #require(TestEnvironment.hasTool(target.compiler.cc), "\(target.compiler.cc) missing: run `make deps`")
        let flags = FirmwareBuild.compileFlags(for: target)
        for name in ["digits_cnn"] + SyntheticModels.names {
            for precision in [Precision.fp32, .fp16] {
                let model = try Compiler.compile(try Self.graph(name), options: CompileOptions(target: targetName, precision: precision))
                let dir = try TestEnvironment.temporaryDirectory()
                defer { TestEnvironment.remove(dir) }
                try Compiler.write(model, to: dir)
                let sources = model.files.map(\.name).filter { $0.hasSuffix(".c") }
                let result = try Shell.run(target.compiler.cc, flags + ["-c"] + sources, directory: dir)
                let what = "\(name) at \(precision.rawValue) for \(targetName)"
                #expect(result.status == 0, "\(what):\n\(result.output)")
                #expect(result.output.isEmpty, "\(what) printed diagnostics:\n\(result.output)")
                for source in sources {
                    let object = dir + "/" + source.dropLast(2) + ".o"
                    #expect(FileManager.default.fileExists(atPath: object), "\(what): no object for \(source)")
                }
            }
        }
    }
}
