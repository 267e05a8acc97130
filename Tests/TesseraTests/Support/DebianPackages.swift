import Foundation
@testable import Tessera

/// What the Debian package database says about the files a build uses: which package owns a
/// file, and which packages `apt-get install --no-install-recommends` of the Makefile's list
/// brings (the list and the transitive closure of its Depends and Pre-Depends; Recommends
/// and Suggests are not installed).
struct DebianPackages {
    struct Package {
        /// Each Depends/Pre-Depends entry as its alternatives (`a | b`), names only.
        var dependencies: [[String]]
        var provides: [String]
        /// Priority "required" packages are in every Debian system.
        var required: Bool
    }

    var installed: [String: Package] = [:]
    /// Virtual package name -> installed packages that provide it.
    var providers: [String: [String]] = [:]

    static func load() throws -> DebianPackages {
        let r = try Shell.run("dpkg-query", ["-W", "-f=${db:Status-Abbrev}\t${Package}\t${Depends}\t${Pre-Depends}\t${Provides}\t${Priority}\n"])
        guard r.status == 0 else { throw TesseraError.toolFailed(tool: "dpkg-query", status: r.status, output: r.output) }
        var db = DebianPackages()
        for line in r.output.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 6, f[0].hasPrefix("ii") else { continue }
            let deps = (names(f[2]) + names(f[3]))
            let provides = names(f[4]).flatMap { $0 }
            db.installed[f[1]] = Package(dependencies: deps, provides: provides, required: f[5] == "required")
            for p in provides { db.providers[p, default: []].append(f[1]) }
        }
        return db
    }

    /// "a (>= 1), b:any | c" -> [["a"], ["b", "c"]].
    static func names(_ field: String) -> [[String]] {
        field.split(separator: ",").map { entry in
            entry.split(separator: "|").compactMap { alt in
                let name = alt.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
                let bare = name.split(separator: ":").first.map(String.init) ?? ""
                return bare.isEmpty ? nil : bare
            }
        }.filter { !$0.isEmpty }
    }

    /// The installed packages that installing `roots` without recommends brings: the roots
    /// and, transitively, every installed package that satisfies one of their dependencies
    /// (each installed alternative, and the installed providers of a virtual package).
    func closure(of roots: [String]) -> Set<String> {
        var seen = Set<String>(), queue = roots.filter { installed[$0] != nil }
        while let name = queue.popLast() {
            guard seen.insert(name).inserted, let p = installed[name] else { continue }
            for alternatives in p.dependencies {
                for alt in alternatives {
                    if installed[alt] != nil { queue.append(alt) }
                    queue += providers[alt] ?? []
                }
            }
        }
        return seen
    }

    func isRequired(_ package: String) -> Bool { installed[package]?.required ?? false }

    /// The packages owning each of `paths` (`dpkg -S`), trying the path as given, its
    /// resolved form, and its other spelling across the merged /usr (`/lib` and `/usr/lib`).
    /// A path no package owns maps to [].
    static func owners(of paths: [String]) throws -> [String: [String]] {
        var candidates: [String: [String]] = [:]
        for path in paths {
            var forms = [path, URL(fileURLWithPath: path).resolvingSymlinksInPath().path]
            for form in forms {
                if form.hasPrefix("/usr/") { forms.append(String(form.dropFirst(4))) } else { forms.append("/usr" + form) }
            }
            var unique: [String] = []
            for f in forms where !unique.contains(f) { unique.append(f) }
            candidates[path] = unique
        }
        let all = Array(Set(candidates.values.flatMap { $0 })).sorted()
        var owned: [String: [String]] = [:]
        for chunk in stride(from: 0, to: all.count, by: 200) {
            let r = try Shell.run("dpkg", ["-S"] + all[chunk..<min(chunk + 200, all.count)])
            for line in r.output.split(separator: "\n") where !line.hasPrefix("dpkg-query:") && !line.hasPrefix("diversion ") {
                guard let colon = line.range(of: ": /") else { continue }
                let file = String(line[line.index(after: colon.lowerBound)...]).trimmingCharacters(in: .whitespaces)
                let packages = line[..<colon.lowerBound].split(separator: ",").map {
                    String($0.trimmingCharacters(in: .whitespaces).split(separator: ":").first ?? "")
                }
                owned[file, default: []] += packages
            }
        }
        var result = candidates.mapValues { forms in forms.lazy.compactMap { owned[$0] }.first ?? [] }
        // A file a package's maintainer script copied into place (picolibc's specs into gcc's
        // folder) belongs to the package that ships the same bytes under the same name.
        for (path, packages) in result where packages.isEmpty {
            guard let bytes = FileManager.default.contents(atPath: path) else { continue }
            let name = (path as NSString).lastPathComponent
            let r = try Shell.run("dpkg", ["-S", "*/" + name])
            for line in r.output.split(separator: "\n") where !line.hasPrefix("dpkg-query:") {
                guard let colon = line.range(of: ": /") else { continue }
                let file = String(line[line.index(after: colon.lowerBound)...]).trimmingCharacters(in: .whitespaces)
                guard (file as NSString).lastPathComponent == name, FileManager.default.contents(atPath: file) == bytes else { continue }
                result[path, default: []] += line[..<colon.lowerBound].split(separator: ",").map {
                    String($0.trimmingCharacters(in: .whitespaces).split(separator: ":").first ?? "")
                }
            }
        }
        return result
    }

    /// The packages the Makefile installs: the words of its `APT_PACKAGES :=` assignment,
    /// continuation lines included.
    static func makefilePackages(_ makefile: String) -> [String] {
        var words: [String] = [], collecting = false
        for line in makefile.split(separator: "\n", omittingEmptySubsequences: false) {
            var text = line.trimmingCharacters(in: .whitespaces)
            if !collecting {
                guard text.hasPrefix("APT_PACKAGES"), let eq = text.range(of: ":=") else { continue }
                text = String(text[eq.upperBound...])
                collecting = true
            }
            let continues = text.hasSuffix("\\")
            if continues { text.removeLast() }
            words += text.split(separator: " ").map(String.init)
            if !continues { break }
        }
        return words
    }
}
