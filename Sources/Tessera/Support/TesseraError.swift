/// Every error the Tessera library reports. The CLI maps each case to an exit status with
/// `exitStatus`: 2 for bad input or usage (the user can fix it), 1 for internal failures.
///
/// Messages name the place in the input, e.g. `nodes[3] "conv2": Conv weight must be 4-D,
/// got [16, 3, 3]`, so one line is enough to find and fix the problem.
public enum TesseraError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file is not valid JSON. `line` and `column` are 1-based.
    case malformedJSON(file: String, line: Int, column: Int, message: String)
    /// The model is valid JSON but not a valid model: `location` is e.g. `nodes[3] "conv2"`.
    case invalidModel(location: String, message: String)
    /// The model uses something Tessera does not support yet (an op, a dtype, a mode).
    case unsupported(location: String, message: String)
    /// A file could not be read or written.
    case io(path: String, message: String)
    /// Command-line usage error (unknown target, missing option, ...).
    case usage(String)
    /// A tensors-JSON input file does not match the model.
    case invalidTensors(location: String, message: String)
    /// An external tool (C compiler, harness) failed. Internal: exit status 1.
    case toolFailed(tool: String, status: Int32, output: String)
    /// A bug in Tessera: an invariant was broken. Exit status 1.
    case internalError(String)
    /// A tool the target needs is not installed. Exit status 1 (the machine, not the input).
    case missingTool(tool: String, package: String)
    /// The model does not fit the target: the link overflowed memory regions. Exit status 2.
    case doesNotFit(target: String, overflows: [RegionOverflow])
    /// `run --compare`: outputs differ from the reference interpreter beyond the tolerance.
    /// Exit status 1 (the generated code, not the input, is wrong or not accurate enough).
    case comparisonFailed(String)

    public var description: String {
        switch self {
        case let .malformedJSON(file, line, column, message):
            return "\(file):\(line):\(column): malformed JSON: \(message)"
        case let .invalidModel(location, message), let .unsupported(location, message),
             let .invalidTensors(location, message):
            return location.isEmpty ? message : "\(location): \(message)"
        case let .io(path, message):
            return "\(path): \(message)"
        case let .usage(message):
            return message
        case let .toolFailed(tool, status, output):
            let tail = output.split(separator: "\n").suffix(30).joined(separator: "\n")
            return "\(tool) failed with status \(status)" + (tail.isEmpty ? "" : ":\n\(tail)")
        case let .internalError(message):
            return "internal error: \(message)"
        case let .missingTool(tool, package):
            return "\(tool) is not installed: install the Debian package \(package) (apt-get install \(package), or run `make deps`)"
        case let .doesNotFit(target, overflows):
            return "the model does not fit \(target): " + overflows.map { "region \($0.region) overflowed by \($0.bytes) bytes" }.joined(separator: "; ")
        case let .comparisonFailed(message):
            return message
        }
    }

    /// Process exit status for this error: 2 for input and usage errors, 1 otherwise.
    public var exitStatus: Int32 {
        switch self {
        case .malformedJSON, .invalidModel, .unsupported, .io, .usage, .invalidTensors, .doesNotFit: return 2
        case .toolFailed, .internalError, .missingTool, .comparisonFailed: return 1
        }
    }
}

/// A memory region the link overflowed, and by how much.
public struct RegionOverflow: Equatable, Sendable {
    public var region: String
    public var bytes: Int
}

/// Formats the place an error points at: `nodes[3] "conv2"`.
public func place(_ list: String, _ index: Int, _ name: String) -> String {
    "\(list)[\(index)] \"\(name)\""
}

/// Formats a shape as `[1, 3, 32, 32]`.
public func shapeText(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
