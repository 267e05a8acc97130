import Foundation

extension Compiler {
    /// Writes the compiled files into `directory`, all of them or none: a failure leaves no
    /// partial file and no directory the call created.
    ///
    /// A new directory is filled under a temporary name beside it and renamed into place
    /// (missing parents are created, and removed again on failure). In an existing
    /// directory each file is written beside its final name, then all are renamed; on a
    /// failure the temporary files go.
    public static func write(_ model: CompiledModel, to directory: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw TesseraError.io(path: directory, message: "exists and is not a directory")
            }
            try writeFiles(model, into: directory, stage: true, reportedAs: directory)
            return
        }
        let url = URL(fileURLWithPath: directory).standardizedFileURL
        // The missing ancestors, highest first: created here, removed again on failure.
        var missing: [URL] = []
        var ancestor = url.deletingLastPathComponent()
        while !fm.fileExists(atPath: ancestor.path) && ancestor.path != "/" {
            missing.insert(ancestor, at: 0)
            ancestor = ancestor.deletingLastPathComponent()
        }
        let staging = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tessera-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        var made: [URL] = []
        do {
            for dir in missing + [staging] {
                try posix(mkdir(dir.path, 0o777), directory)
                made.append(dir)
            }
            try writeFiles(model, into: staging.path, stage: false, reportedAs: directory)
            try posix(rename(staging.path, url.path), directory)
        } catch {
            try? fm.removeItem(at: staging)
            if let top = missing.first, made.contains(top) { try? fm.removeItem(at: top) }
            throw error
        }
    }

    /// Writes every file of `model` into the existing `directory`; with `stage`, each to a
    /// temporary name first, renamed once all are written. Errors name `reportedAs` (the
    /// directory the user gave).
    private static func writeFiles(_ model: CompiledModel, into directory: String, stage: Bool, reportedAs: String) throws {
        var staged: [(String, String)] = []
        do {
            for file in model.files {
                let final = (directory as NSString).appendingPathComponent(file.name)
                let temp = stage ? final + ".tmp" : final
                staged.append((temp, final))
                try writeFile(Array(file.contents.utf8), to: temp, reportedAs: reportedAs)
            }
            if stage {
                for (temp, final) in staged { try posix(rename(temp, final), reportedAs) }
            }
        } catch {
            if stage { for (temp, _) in staged { unlink(temp) } }
            throw error
        }
    }

    private static func writeFile(_ bytes: [UInt8], to path: String, reportedAs: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o666)
        try posix(fd, reportedAs)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                let code = errno
                close(fd)
                throw ioError(reportedAs, code)
            }
            written += n
        }
        try posix(close(fd), reportedAs)
    }

    /// Throws the operating system's reason ("Permission denied") when a call returned -1.
    private static func posix(_ result: Int32, _ path: String) throws {
        if result < 0 { throw ioError(path, errno) }
    }

    private static func ioError(_ path: String, _ code: Int32) -> TesseraError {
        .io(path: path, message: "cannot write the output (\(String(cString: strerror(code))))")
    }
}

/// write(2), out of reach of `Compiler.write`'s name.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
