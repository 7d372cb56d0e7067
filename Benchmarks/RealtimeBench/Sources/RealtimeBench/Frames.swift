/// Which measured phase a message belongs to; its letter is part of the message text.
enum Phase: UInt8, Sendable {
    case direct = 0x64 // "d"
    case room = 0x72 // "r"
    case burst = 0x62 // "b"
}

/// What a bench message carries in its text: when it was sent (monotonic
/// nanoseconds), in which phase, and its number within the phase, as
/// `"<nanoseconds>:<d|r|b>:<number>"`. The send time leads the text so that the
/// text is first of all "t0 in nanoseconds".
struct Stamp: Equatable, Sendable {
    var sentAt: UInt64
    var phase: Phase
    var number: Int

    var text: String { "\(sentAt):\(Character(Unicode.Scalar(phase.rawValue))):\(number)" }
}

/// The client frames of docs/realtime.md that the bench sends.
enum ClientFrame {
    /// A message to the direct conversation with `recipient`.
    static func sendDirect(id: String, to recipient: String, clientMessageId: String, stamp: Stamp) -> String {
        #"{"type":"send","id":"\#(id)","to":"\#(escaped(recipient))","clientMessageId":"\#(clientMessageId)","text":"\#(stamp.text)"}"#
    }

    /// A message to a room, which is a conversation whose id is the room's id.
    static func sendToRoom(id: String, roomId: String, clientMessageId: String, stamp: Stamp) -> String {
        #"{"type":"send","id":"\#(id)","conversationId":"\#(escaped(roomId))","clientMessageId":"\#(clientMessageId)","text":"\#(stamp.text)"}"#
    }

    /// A message to a conversation named by its id.
    static func sendToConversation(id: String, conversationId: String, clientMessageId: String, stamp: Stamp) -> String {
        #"{"type":"send","id":"\#(id)","conversationId":"\#(escaped(conversationId))","clientMessageId":"\#(clientMessageId)","text":"\#(stamp.text)"}"#
    }

    /// The first frame of every bench socket: the server holds live messages
    /// from `hello` until the client's first frame (or one second).
    static let ping = #"{"type":"ping","id":"p"}"#

    static func join(id: String, roomId: String) -> String {
        #"{"type":"join","id":"\#(id)","roomId":"\#(escaped(roomId))"}"#
    }

    /// Server ids are opaque strings; escape them rather than trust their alphabet.
    private static func escaped(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }) else { return value }
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// A server frame reduced to what the bench counts.
enum ServerFrame: Equatable {
    case hello(userId: String?)
    /// A `message` whose text is a bench stamp; for the burst phase, also where it belongs.
    case message(Stamp, position: Position?)
    /// An `ack`; `seq` is there when it answers a send.
    case ack(re: String?, seq: Int?)
    case error(re: String?, code: String)
    /// Any other type (presence, typing, a message not sent by the bench…).
    case other(type: String)
    case unreadable

    /// A message's conversation and sequence number, as its frame's top level gives them.
    struct Position: Equatable {
        var conversationId: String
        var seq: Int
    }

    /// Reads the frame's top-level `type` and the one or two fields the bench
    /// needs by scanning its bytes. At 25,000 fan-out frames a second a JSON
    /// decoder would take CPU from the server on the same two cores; the
    /// fields read are strings the server writes as `"key":"value"`, with or
    /// without spaces.
    init(parsing text: String) {
        var text = text
        self = text.withUTF8 { ServerFrame(parsing: $0) }
    }

    init(parsing bytes: UnsafeBufferPointer<UInt8>) {
        self = {
            guard let type = FieldScanner.string("type", in: bytes) else { return .unreadable }
            switch type {
            case "message":
                guard let range = FieldScanner.stringRange("text", in: bytes), let stamp = FieldScanner.stamp(in: bytes[range])
                else { return .other(type: "message") }
                // Only the burst phase checks sequences; the others need no more bytes read.
                guard stamp.phase == .burst else { return .message(stamp, position: nil) }
                guard let conversationId = FieldScanner.topLevelString("conversationId", in: bytes),
                      let seq = FieldScanner.topLevelInteger("seq", in: bytes)
                else { return .other(type: "message without conversationId or seq") }
                return .message(stamp, position: Position(conversationId: conversationId, seq: seq))
            case "ack":
                let re = FieldScanner.string("re", in: bytes)
                return .ack(re: re, seq: re?.first == "b" ? FieldScanner.topLevelInteger("seq", in: bytes) : nil)
            case "error":
                return .error(re: FieldScanner.string("re", in: bytes), code: FieldScanner.string("code", in: bytes) ?? "?")
            case "hello":
                return .hello(userId: FieldScanner.string("userId", in: bytes))
            default:
                return .other(type: type)
            }
        }()
    }
}

/// Finds `"key": "value"` in JSON text without parsing the rest of it.
enum FieldScanner {
    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), colon = UInt8(ascii: ":")

    static func string(_ key: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let range = stringRange(key, in: bytes) else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// The byte range of the first string value of `key`, escapes left as they are.
    static func stringRange(_ key: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        let name = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        var index = 0
        let end = bytes.count
        while index + name.count + 2 < end {
            guard bytes[index] == quote, matches(name, in: bytes, at: index + 1), bytes[index + 1 + name.count] == quote else {
                index += 1
                continue
            }
            var cursor = skipSpaces(bytes, from: index + name.count + 2)
            guard cursor < end, bytes[cursor] == colon else { index += 1; continue }
            cursor = skipSpaces(bytes, from: cursor + 1)
            guard cursor < end, bytes[cursor] == quote else { return nil }
            let start = cursor + 1
            cursor = start
            while cursor < end, bytes[cursor] != quote {
                cursor += bytes[cursor] == backslash ? 2 : 1
            }
            return cursor <= end ? start..<min(cursor, end) : nil
        }
        return nil
    }

    /// The string value of `key` in the outermost object only: a nested
    /// object (a message's body) may use the same names.
    static func topLevelString(_ key: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let range = topLevelValue(key, in: bytes), range.count >= 2, bytes[range.lowerBound] == quote else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[(range.lowerBound + 1)..<(range.upperBound - 1)]), as: UTF8.self)
    }

    /// The non-negative integer value of `key` in the outermost object only.
    static func topLevelInteger(_ key: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let range = topLevelValue(key, in: bytes), !range.isEmpty, range.count <= 18 else { return nil }
        var value = 0
        for byte in bytes[range] {
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// The bytes of the value of `key` at depth one: a string with its quotes,
    /// or a scalar up to the next comma, brace or space.
    private static func topLevelValue(_ key: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        let name = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        let end = bytes.count
        var depth = 0
        var index = 0
        // Whether the next string at depth one is a key (after `{` or `,`) rather than a value.
        var expectingKey = false
        while index < end {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                expectingKey = byte == UInt8(ascii: "{") && depth == 1
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                index += 1
            case UInt8(ascii: ","):
                expectingKey = depth == 1
                index += 1
            case quote:
                let start = index + 1
                var cursor = start
                while cursor < end, bytes[cursor] != quote { cursor += bytes[cursor] == backslash ? 2 : 1 }
                guard cursor < end else { return nil }
                index = cursor + 1
                guard depth == 1, expectingKey else { continue }
                expectingKey = false
                guard cursor - start == name.count, matches(name, in: bytes, at: start) else { continue }
                var valueStart = skipSpaces(bytes, from: index)
                guard valueStart < end, bytes[valueStart] == colon else { return nil }
                valueStart = skipSpaces(bytes, from: valueStart + 1)
                guard valueStart < end else { return nil }
                if bytes[valueStart] == quote {
                    var valueEnd = valueStart + 1
                    while valueEnd < end, bytes[valueEnd] != quote { valueEnd += bytes[valueEnd] == backslash ? 2 : 1 }
                    return valueEnd < end ? valueStart..<(valueEnd + 1) : nil
                }
                var valueEnd = valueStart
                while valueEnd < end, !endsScalar(bytes[valueEnd]) { valueEnd += 1 }
                return valueStart..<valueEnd
            default:
                index += 1
            }
        }
        return nil
    }

    private static func endsScalar(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// Reads `"<nanoseconds>:<d|r|b>:<number>"`.
    static func stamp(in bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Stamp? {
        var index = bytes.startIndex
        func digits() -> UInt64? {
            var value: UInt64 = 0
            let first = index
            while index < bytes.endIndex, (0x30...0x39).contains(bytes[index]) {
                let (product, overflow) = value.multipliedReportingOverflow(by: 10)
                guard !overflow else { return nil }
                value = product + UInt64(bytes[index] - 0x30)
                index += 1
            }
            return index > first ? value : nil
        }
        guard let sentAt = digits(), index + 2 < bytes.endIndex, bytes[index] == colon,
              let phase = Phase(rawValue: bytes[index + 1]), bytes[index + 2] == colon
        else { return nil }
        index += 3
        guard let number = digits(), index == bytes.endIndex, number <= UInt64(Int.max) else { return nil }
        return Stamp(sentAt: sentAt, phase: phase, number: Int(number))
    }

    private static func matches(_ name: UnsafeBufferPointer<UInt8>, in bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> Bool {
        guard offset + name.count <= bytes.count else { return false }
        for position in 0..<name.count where bytes[offset + position] != name[position] { return false }
        return true
    }

    private static func skipSpaces(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
        return index
    }
}
