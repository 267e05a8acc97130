import Foundation
import Testing
@testable import Tessera

/// Everything the builds of `make test`, `make demo`, `make conformance` and `make bench` use
/// from the system comes from a Debian package the Makefile installs (`APT_PACKAGES` and what
/// their dependencies bring without recommends), from the Debian base system (priority
/// required) or from the Swift toolchain. Nothing installed by hand can satisfy a test unseen:
/// a header, startup file, specs file, library or tool from any other package fails here with
/// that package named.
@Suite(.enabled(if: TestEnvironment.hasTool("dpkg-query"), "not a Debian system: no package database to check"))
struct SystemPackageTests {
    /// A file a build used, and what used it.
    struct Use: Hashable {
        var path: String
        var by: String
    }

    static var repository: String { TestEnvironment.repositoryRoot.path }

    /// The Swift toolchain's root (the folder holding usr/bin/swift), whose own clang and
    /// headers the clang targets use.
    static var swiftRoot: String? {
        guard let r = try? Shell.run("sh", ["-c", "command -v swift"]), r.status == 0 else { return nil }
        let swift = URL(fileURLWithPath: r.output.trimmingCharacters(in: .whitespacesAndNewlines)).resolvingSymlinksInPath()
        return swift.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// The executable `tool` runs, and for a gcc driver the programs it runs in turn.
    static func tools(_ tool: String, by: String) throws -> [Use] {
        let r = try Shell.run("sh", ["-c", "command -v \(tool)"])
        guard r.status == 0 else { return [Use(path: "(missing) \(tool)", by: by)] }
        var uses = [Use(path: r.output.trimmingCharacters(in: .whitespacesAndNewlines), by: by)]
        if tool.hasSuffix("gcc") || tool == "cc" {
            for program in ["cc1", "as", "collect2", "ld"] {
                let p = try Shell.run(tool, ["-print-prog-name=\(program)"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
                if p.contains("/") { uses.append(Use(path: p, by: "\(by) (\(program))")) } else { uses += try tools(p, by: "\(by) (\(program))") }
            }
        }
        return uses
    }

    /// The headers `cc flags -M sources` reads.
    static func headers(_ cc: String, _ flags: [String], _ sources: [String], by: String, in dir: String) throws -> [Use] {
        let r = try Shell.run(cc, flags + ["-M"] + sources, directory: dir)
        guard r.status == 0 else { throw TesseraError.toolFailed(tool: cc, status: r.status, output: r.output) }
        return r.output.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\\" })
            .filter { $0.hasPrefix("/") && !$0.hasSuffix(":") }.map { Use(path: String($0), by: by) }
    }

    /// The files a GNU link loaded, from its map file's LOAD lines (`map`) or its `--trace` lines.
    static func linkInputs(_ text: String, map: Bool, by: String) -> [Use] {
        text.split(separator: "\n").compactMap { line -> Use? in
            var path = line.trimmingCharacters(in: .whitespaces)
            if map {
                guard path.hasPrefix("LOAD ") else { return nil }
                path = String(path.dropFirst(5))
            }
            if let open = path.firstIndex(of: "("), path.hasSuffix(")") { path = String(path[path.index(after: open)..<path.index(before: path.endIndex)]) }
            guard path.hasPrefix("/") else { return nil }
            return Use(path: (path as NSString).standardizingPath, by: by)
        }
    }

    /// `mcuUses()`, computed once (it links a firmware image per toolchain).
    static let mcu: (uses: [Use], error: String?) = {
        do { return (try mcuUses(), nil) } catch { return ([], "\(error)") }
    }()

    /// Every file the MCU builds use: for each target, its tools, the headers of every kernel,
    /// the firmware driver and a generated model, the picolibc specs, and the startup files
    /// and libraries of a real firmware link.
    static func mcuUses() throws -> [Use] {
        var uses: [Use] = []
        let graph = try FrontEnd.load(path: repository + "/Examples/digits_cnn.json")
        let kernels = try FileManager.default.contentsOfDirectory(atPath: repository + "/Sources/TesseraKernels")
            .filter { $0.hasSuffix(".c") }.sorted().map { repository + "/Sources/TesseraKernels/" + $0 }
        var seenCompile = Set<[String]>(), seenLink = Set<[String]>()
        for t in try TargetRegistry.all() where !t.isHost {
            let c = t.compiler
            uses += try tools(c.cc, by: "\(t.name) compiler")
            if let linker = c.linker { uses += try tools(linker, by: "\(t.name) linker") }
            uses += try tools(c.sizeTool ?? "size", by: "\(t.name) size tool")
            uses += try tools(t.emulator.binary, by: "\(t.name) emulator")
            let flags = FirmwareBuild.compileFlags(for: t)
            let linker = c.linker ?? c.cc
            let specs = try Shell.run(linker, c.linkFlags + ["-print-file-name=picolibc.specs"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
            uses.append(Use(path: specs, by: "\(t.name) link (picolibc.specs)"))
            if seenCompile.insert([c.cc] + flags).inserted {
                let dir = try TestEnvironment.temporaryDirectory()
                defer { TestEnvironment.remove(dir) }
                let model = try Compiler.compile(graph, options: CompileOptions(target: t.name))
                try Compiler.write(model, to: dir)
                let include = ["-I", dir, "-I", repository + "/Sources/TesseraKernels", "-I", repository + "/Sources/TesseraKernels/include"]
                let firmware = ["-DTSR_LAYER_HOOK", "-DTSR_MODEL_HEADER=\"\(model.symbolPrefix).h\"", "-DTSR_MODEL_DESC=\(model.symbolPrefix)_desc"]
                let sources = model.files.map(\.name).filter { $0.hasSuffix(".c") }.map { dir + "/" + $0 }
                uses += try headers(c.cc, flags + firmware + include, [repository + "/Targets/qemu/firmware.c"] + sources + kernels,
                                    by: "\(t.name) compile", in: dir)
            }
            if seenLink.insert([linker] + c.linkFlags).inserted {
                let dir = try TestEnvironment.temporaryDirectory()
                defer { TestEnvironment.remove(dir) }
                let model = try Compiler.compile(graph, options: CompileOptions(target: t.name))
                _ = try FirmwareBuild.build(model, target: t, inputs: Bench.inputs(graph), dumpLayers: false, in: dir)
                uses += linkInputs(try String(contentsOfFile: dir + "/firmware.map", encoding: .utf8), map: true, by: "\(t.name) link")
            }
        }
        return uses
    }

    /// Every file the host harness build uses: the C compiler, its headers (json-c's among
    /// them) and the libraries it links.
    static func hostUses() throws -> [Use] {
        let graph = try FrontEnd.load(path: repository + "/Examples/digits_cnn.json")
        let model = try Compiler.compile(graph)
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        try Compiler.write(model, to: dir + "/model")
        let (flags, sources) = HostRunner.compileArguments(model, modelDirectory: dir + "/model", layerHook: true)
        let cc = HostRunner.compiler
        var uses = try tools(cc, by: "host compiler")
        uses += try headers(cc, flags, sources, by: "host compile", in: dir)
        let link = try Shell.run(cc, flags + sources + HostRunner.linkLibraries + ["-o", dir + "/harness", "-Wl,--trace"], directory: dir)
        guard link.status == 0 else { throw TesseraError.toolFailed(tool: cc, status: link.status, output: link.output) }
        return uses + linkInputs(link.output, map: false, by: "host link")
    }

    /// The interpreter of the Python environment (`make test` makes it from Debian's
    /// python3) that runs onnxruntime and the conformance cases.
    static func pythonUses() -> [Use] {
        let python = OnnxruntimeBatch.python
        guard FileManager.default.isExecutableFile(atPath: python) else { return [Use(path: "(missing) \(python)", by: "python environment")] }
        return [Use(path: URL(fileURLWithPath: python).resolvingSymlinksInPath().path, by: "python environment (\(python))")]
    }

    /// The uses that no package of `allowed`, no required package and not the Swift toolchain
    /// accounts for, one line each, naming the package the file came from.
    static func violations(_ uses: [Use], allowed: Set<String>, db: DebianPackages) throws -> [String] {
        let own = [repository, NSTemporaryDirectory()].map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
        let external = uses.filter { use in !own.contains { use.path.hasPrefix($0) } && !use.path.hasPrefix(NSTemporaryDirectory()) }
        let owners = try DebianPackages.owners(of: Array(Set(external.map(\.path).filter { !$0.hasPrefix("(missing)") })))
        let swift = swiftRoot
        var lines = Set<String>()
        for use in external {
            if use.path.hasPrefix("(missing) ") {
                lines.insert("\(use.by): \(use.path.dropFirst(10)) is not installed")
                continue
            }
            let packages = owners[use.path] ?? []
            if packages.isEmpty {
                let real = URL(fileURLWithPath: use.path).resolvingSymlinksInPath().path
                if let swift, real.hasPrefix(swift + "/") || use.path.hasPrefix(swift + "/") { continue }
                lines.insert("\(use.by): \(use.path) belongs to no Debian package and not to the Swift toolchain")
            } else if !packages.contains(where: { allowed.contains($0) || db.isRequired($0) }) {
                lines.insert("\(use.by): \(use.path) comes from the Debian package \(packages.joined(separator: ", ")), "
                    + "which the Makefile does not install (add it to APT_PACKAGES, or stop relying on it)")
            }
        }
        return lines.sorted()
    }

    static func makefilePackages() throws -> [String] {
        DebianPackages.makefilePackages(try String(contentsOfFile: repository + "/Makefile", encoding: .utf8))
    }

    @Test func everyPackageTheBuildsUseIsInstalledByTheMakefile() throws {
        let listed = try Self.makefilePackages()
        #expect(!listed.isEmpty, "the Makefile has no APT_PACKAGES list")
        let db = try DebianPackages.load()
        let notInstalled = listed.filter { db.installed[$0] == nil }
        #expect(notInstalled.isEmpty, "packages of the Makefile's list are not installed: \(notInstalled) (run `make deps`)")
        let uses = try Self.hostUses() + Self.pythonUses() + Self.mcu.uses
        #expect(Self.mcu.error == nil, "\(Self.mcu.error ?? "")")
        let problems = try Self.violations(uses, allowed: db.closure(of: listed), db: db)
        print("system packages: \(Set(uses.map(\.path)).count) files used by the host and MCU builds, checked against the closure of \(listed.count) Makefile packages")
        #expect(problems.isEmpty, "\(problems.count) file(s) from packages the Makefile does not install:\n\(problems.joined(separator: "\n"))")
    }

    /// The check can fail: with one package taken off the Makefile's list, the files that only
    /// it provides are reported, with that package named.
    @Test(arguments: ["libjson-c-dev", "picolibc-arm-none-eabi", "qemu-system-misc"])
    func aPackageLeftOffTheListIsNamed(_ package: String) throws {
        let listed = try Self.makefilePackages()
        try #require(listed.contains(package), "\(package) is not in the Makefile's list")
        let db = try DebianPackages.load()
        let uses = try package == "libjson-c-dev" ? Self.hostUses() : Self.mcu.uses
        let problems = try Self.violations(uses, allowed: db.closure(of: listed.filter { $0 != package }), db: db)
        #expect(problems.contains { $0.contains("Debian package \(package),") || $0.contains("Debian package \(package) ") },
                "leaving \(package) off the list was not noticed:\n\(problems.joined(separator: "\n"))")
    }

    @Test func dependencyFieldsParse() {
        #expect(DebianPackages.names("libc6 (>= 2.34), gcc-12:any | gcc (>= 4), ") == [["libc6"], ["gcc-12", "gcc"]])
        #expect(DebianPackages.makefilePackages("X := 1\nAPT_PACKAGES := a b \\\n    c\nY := d\n") == ["a", "b", "c"])
    }
}
