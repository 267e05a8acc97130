import Foundation

/// Reads the file a command is given, with a plain message for each way that fails (not
/// Foundation's error numbers).
enum ModelFile {
    static func read(_ path: String) throws -> Data {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TesseraError.io(path: path, message: "no such file")
        }
        if isDirectory.boolValue {
            throw TesseraError.io(path: path, message: "is a directory, not a model file")
        }
        guard fm.isReadableFile(atPath: path) else {
            throw TesseraError.io(path: path, message: "cannot read the file (permission denied)")
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TesseraError.io(path: path, message: "cannot read the file")
        }
    }
}
