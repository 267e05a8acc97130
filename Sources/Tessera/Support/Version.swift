/// Namespace for library-wide constants.
public enum Tessera {
    public static let version = "0.1.0"
}
