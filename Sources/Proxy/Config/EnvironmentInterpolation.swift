/// Expands `$VAR` and `${VAR}` in config strings, as claude-code-router does. A variable that
/// is not set stays as written, and is reported so a missing key can be named.
struct EnvironmentInterpolation {
    let environment: [String: String]

    /// The expanded text and the names of variables that were not set (or empty).
    func expand(_ text: String) -> (text: String, unresolved: [String]) {
        guard text.contains("$") else { return (text, []) }
        var output = ""
        var unresolved: [String] = []
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "_" || (scalar.isASCII && scalar.properties.isAlphabetic)
        }
        func isName(_ scalar: Unicode.Scalar) -> Bool {
            isNameStart(scalar) || ("0"..."9").contains(scalar)
        }
        while index < scalars.count {
            let scalar = scalars[index]
            guard scalar == "$", index + 1 < scalars.count else {
                output.unicodeScalars.append(scalar)
                index += 1
                continue
            }
            var name = ""
            var end = index + 1
            if scalars[end] == "{" {
                var cursor = end + 1
                while cursor < scalars.count, scalars[cursor] != "}" {
                    name.unicodeScalars.append(scalars[cursor])
                    cursor += 1
                }
                guard cursor < scalars.count, !name.isEmpty else {
                    output.unicodeScalars.append(scalar)
                    index += 1
                    continue
                }
                end = cursor + 1
            } else if isNameStart(scalars[end]) {
                while end < scalars.count, isName(scalars[end]) {
                    name.unicodeScalars.append(scalars[end])
                    end += 1
                }
            } else {
                output.unicodeScalars.append(scalar)
                index += 1
                continue
            }
            if let value = environment[name], !value.isEmpty {
                output += value
            } else {
                unresolved.append(name)
                output.unicodeScalars.append(contentsOf: scalars[index..<end])
            }
            index = end
        }
        return (output, unresolved)
    }
}
