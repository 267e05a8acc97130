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

    /// Reads a kernel library file (`tsr_conv2d_f32.c`, a header, ...), once per process:
    /// a process that compiles many models (the tests, the fuzzer) reads each file once.
    static func kernelFile(_ name: String) throws -> String {
        try kernelEntry(name).text
    }

    /// The runtime files kernel file `name` needs (`localIncludes` of its text).
    static func kernelIncludes(_ name: String) throws -> [String] {
        try kernelEntry(name).includes
    }

    private static let kernelCache = KernelFileCache()

    private static func kernelEntry(_ name: String) throws -> (text: String, includes: [String]) {
        let dir = kernels
        let candidates = [dir.appendingPathComponent(name), dir.appendingPathComponent("include").appendingPathComponent(name)]
        if let hit = kernelCache.entry(candidates[0].path) { return hit }
        for url in candidates {
            if let text = try? String(contentsOf: url, encoding: .utf8) {
                let entry = (text: text, includes: localIncludes(text))
                kernelCache.store(candidates[0].path, entry)
                return entry
            }
        }
        throw TesseraError.internalError("kernel library file \(name) not found in \(dir.path) (set TESSERA_KERNELS)")
    }

    /// Local headers a kernel source includes (`#include "..."`), for copying alongside it.
    /// The runtime files a kernel file needs: its `#include "..."` headers, and the kernel
    /// sources it calls, named on a comment line ` * Calls: tsr_mm_f16.c, ...`.
    static func localIncludes(_ text: String) -> [String] {
        text.split(separator: "\n").flatMap { line -> [String] in
            guard line.contains("#include") || line.contains("Calls:") else { return [] }
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("* Calls: ") {
                return t.dropFirst(9).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            guard t.hasPrefix("#include \""), let end = t.dropFirst(10).firstIndex(of: "\"") else { return [] }
            return [String(t.dropFirst(10)[..<end])]
        }
    }
}

/// The kernel files a process has read, by path.
private final class KernelFileCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (text: String, includes: [String])] = [:]

    func entry(_ path: String) -> (text: String, includes: [String])? {
        lock.lock()
        defer { lock.unlock() }
        return entries[path]
    }

    func store(_ path: String, _ entry: (text: String, includes: [String])) {
        lock.lock()
        defer { lock.unlock() }
        entries[path] = entry
    }
}
