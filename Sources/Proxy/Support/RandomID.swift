/// Random identifiers for messages, tool calls and requests.
enum RandomID {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// `length` random base-62 characters. One system random draw per 8 characters (a draw is
    /// a system call; ids are made for every request).
    static func make(length: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8]()
        bytes.reserveCapacity(length)
        var word: UInt64 = 0
        for index in 0..<length {
            if index % 8 == 0 { word = generator.next() }
            bytes.append(alphabet[Int(word & 0xFF) % alphabet.count])
            word >>= 8
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
