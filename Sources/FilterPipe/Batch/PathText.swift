// The path-string rules of NSString's lastPathComponent, deletingLastPathComponent, pathExtension and
// deletingPathExtension, on plain Strings (FoundationEssentials has no NSString):
//   a path is read after collapsing "//" runs and dropping a trailing "/" (the root "/" stays);
//   last component = text after the last "/";  parent = text before it ("" if none, "/" at the root);
//   extension = text after the last "." of the last component, if that "." is not its first character.

/// Path-string arithmetic for output and input names.
enum PathText {
    /// `a/b/c.png` → `c.png`; `/` → `/`.
    static func lastComponent(_ path: String) -> String {
        let clean = normalized(path)
        guard clean != "/", let slash = clean.lastIndex(of: "/") else { return clean }
        return String(clean[clean.index(after: slash)...])
    }

    /// `a/b/c.png` → `a/b`; `c.png` → ``; `/c` → `/`.
    static func deletingLastComponent(_ path: String) -> String {
        let clean = normalized(path)
        guard clean != "/", let slash = clean.lastIndex(of: "/") else { return clean == "/" ? "/" : "" }
        return slash == clean.startIndex ? "/" : String(clean[..<slash])
    }

    /// `a/b.tar.gz` → `a/b.tar`; a path without an extension (`a/b`, `a/.png`, `a/b.`) is returned as given.
    static func deletingExtension(_ path: String) -> String {
        let clean = normalized(path)
        let name = lastComponent(clean)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex, name.index(after: dot) != name.endIndex
        else { return path }
        return String(clean.dropLast(name.distance(from: dot, to: name.endIndex)))
    }

    private static func normalized(_ path: String) -> String {
        var text = ""
        for character in path where !(character == "/" && text.last == "/") { text.append(character) }
        if text.count > 1 && text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
