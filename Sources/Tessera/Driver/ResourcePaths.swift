import Foundation

/// Where the compiler finds the files it copies or builds with: the runtime kernel sources
/// and the target support files. Both default to the source tree this binary was built
/// from; `TESSERA_KERNELS` and `TESSERA_TARGETS` override them for relocated installs.
public enum ResourcePaths {
    /// The repository root, from this source file's compile-time location.
    static var sourceRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()  // Driver
            .deletingLastPathComponent()  // Tessera
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()  // root
    }

    /// Directory holding `tsr_*.c` and `include/`.
    public static var kernels: URL {
        if let dir = ProcessInfo.processInfo.environment["TESSERA_KERNELS"] { return URL(fileURLWithPath: dir) }
        return sourceRoot.appendingPathComponent("Sources/TesseraKernels")
    }

    /// The `Targets/` directory.
    public static var targets: URL {
        if let dir = ProcessInfo.processInfo.environment["TESSERA_TARGETS"] { return URL(fileURLWithPath: dir) }
        return sourceRoot.appendingPathComponent("Targets")
    }

    /// Runtime headers every generated model needs.
    static let runtimeHeaders = ["tsr_types.h", "tsr_kernels.h"]

    /// Reads a kernel library file (`tsr_conv2d_f32.c`, a header, ...).
    static func kernelFile(_ name: String) throws -> String {
        let dir = kernels
        let candidates = [dir.appendingPathComponent(name), dir.appendingPathComponent("include").appendingPathComponent(name)]
        for url in candidates {
            if let text = try? String(contentsOf: url, encoding: .utf8) { return text }
        }
        throw TesseraError.internalError("kernel library file \(name) not found in \(dir.path) (set TESSERA_KERNELS)")
    }

    /// Local headers a kernel source includes (`#include "..."`), for copying alongside it.
    /// The runtime files a kernel file needs: its `#include "..."` headers, and the kernel
    /// sources it calls, named on a comment line ` * Calls: tsr_mm_f16.c, ...`.
    static func localIncludes(_ text: String) -> [String] {
        text.split(separator: "\n").flatMap { line -> [String] in
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("* Calls: ") {
                return t.dropFirst(9).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            guard t.hasPrefix("#include \""), let end = t.dropFirst(10).firstIndex(of: "\"") else { return [] }
            return [String(t.dropFirst(10)[..<end])]
        }
    }
}
