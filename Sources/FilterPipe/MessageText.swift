/// `text` made safe to print inside a one-line message: control characters (C0, DEL, C1) become
/// escapes (`\n`, `\r`, `\t`, `\0`, `\x1b`, `\u{9b}`) and a backslash is doubled, so a path or a
/// file's bytes can neither split a message over two lines nor drive the terminal (ESC sequences),
/// and the escaped text reads back unambiguously.
///
/// Every message that quotes a path or text taken from a file goes through this function.
public func escapedForMessage(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: needsEscape) else { return text }
    var out = ""
    out.reserveCapacity(text.utf8.count + 8)
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x0A: out += "\\n"
        case 0x0D: out += "\\r"
        case 0x09: out += "\\t"
        case 0x00: out += "\\0"
        case 0x5C: out += "\\\\"
        case 0x01...0x1F, 0x7F:
            let hex = String(scalar.value, radix: 16)
            out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
        case 0x80...0x9F, 0x2028, 0x2029:
            out += "\\u{" + String(scalar.value, radix: 16) + "}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

private func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    let v = scalar.value
    return v < 0x20 || v == 0x5C || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029
}
