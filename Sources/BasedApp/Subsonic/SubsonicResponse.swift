import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// One element of a Subsonic answer. The same tree renders as XML (the
/// default: values as attributes, lists as repeated elements) and as JSON
/// (`f=json`: values as typed fields, lists always arrays, text as a string
/// or as `value`), so the two formats can never carry different fields.
struct SubsonicNode: Sendable {
    enum Value: Sendable, Equatable {
        case string(String), int(Int), double(Double), bool(Bool)
    }

    enum Child: Sendable {
        case one(SubsonicNode)
        /// Elements of one name that JSON shows as an array, even of one or none.
        case many(String, [SubsonicNode])
    }

    var name: String
    private(set) var attributes: [(String, Value)] = []
    private(set) var children: [Child] = []
    /// Content: `<biography>…</biography>`, `<versions>1</versions>`, or a lyric's `value`.
    var content: Value?

    init(_ name: String, text: String? = nil) {
        self.name = name
        self.content = text.map { .string($0) }
    }

    init(_ name: String, number: Int) {
        self.name = name
        self.content = .int(number)
    }

    mutating func set(_ key: String, _ value: String?) {
        if let value { attributes.append((key, .string(value))) }
    }

    mutating func set(_ key: String, _ value: Int?) {
        if let value { attributes.append((key, .int(value))) }
    }

    mutating func set(_ key: String, _ value: Double?) {
        if let value, value.isFinite { attributes.append((key, .double(value))) }
    }

    mutating func set(_ key: String, _ value: Bool?) {
        if let value { attributes.append((key, .bool(value))) }
    }

    /// An ISO 8601 instant in UTC with milliseconds, as Subsonic's `dateTime`.
    mutating func set(_ key: String, _ value: Date?) {
        if let value { attributes.append((key, .string(SubsonicNode.timestamp(value)))) }
    }

    mutating func add(_ child: SubsonicNode) {
        children.append(.one(child))
    }

    mutating func add(_ name: String, list: [SubsonicNode]) {
        children.append(.many(name, list))
    }

    /// A list of plain strings (`<releaseTypes>Album</releaseTypes>`; `"releaseTypes": ["Album"]`).
    mutating func add(_ name: String, strings: [String]) {
        children.append(.many(name, strings.map { SubsonicNode(name, text: $0) }))
    }

    func attribute(_ key: String) -> Value? {
        attributes.first { $0.0 == key }?.1
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }
}

/// A Subsonic error: always an HTTP 200 whose body says `status="failed"`.
struct SubsonicError: Error, Sendable, Equatable {
    var code: Int
    var message: String

    static func missing(_ parameter: String) -> SubsonicError {
        SubsonicError(code: 10, message: "Required parameter is missing: \(parameter).")
    }

    static func invalid(_ parameter: String, _ problem: String) -> SubsonicError {
        SubsonicError(code: 10, message: "Parameter \(parameter) \(problem).")
    }

    static func notFound(_ what: String) -> SubsonicError {
        SubsonicError(code: 70, message: "\(what) was not found.")
    }

    static let wrongCredentials = SubsonicError(code: 40, message: "Wrong username or password.")
    static let notAuthorized = SubsonicError(code: 50, message: "The user is not authorized for the given operation.")
}

/// The envelope and the two renderings.
enum SubsonicFormat: Sendable {
    case xml, json

    static let apiVersion = "1.16.1"
    static let serverVersion = "0.1.0"

    init(_ f: String?) {
        self = f == "json" ? .json : .xml
    }

    func response(_ payload: SubsonicNode?) -> Response {
        render(status: "ok", payload: payload.map { .one($0) })
    }

    /// An answer whose payload is itself a list (getOpenSubsonicExtensions).
    func response(list name: String, _ nodes: [SubsonicNode]) -> Response {
        render(status: "ok", payload: .many(name, nodes))
    }

    func response(_ error: SubsonicError) -> Response {
        var node = SubsonicNode("error")
        node.set("code", error.code)
        node.set("message", error.message)
        return render(status: "failed", payload: .one(node))
    }

    private func render(status: String, payload: SubsonicNode.Child?) -> Response {
        let out = text(status: status, payload: payload)
        var buffer = ByteBufferAllocator().buffer(capacity: out.utf8.count)
        buffer.writeString(out)
        return Response(
            status: .ok,
            headers: [.contentType: contentType, .cacheControl: "no-store", .contentLength: String(buffer.readableBytes)],
            body: .init(byteBuffer: buffer)
        )
    }

    var contentType: String {
        self == .xml ? "application/xml; charset=utf-8" : "application/json; charset=utf-8"
    }

    /// The whole answer as text.
    func text(status: String, payload: SubsonicNode.Child?) -> String {
        var root = SubsonicNode("subsonic-response")
        root.set("status", status)
        root.set("version", Self.apiVersion)
        root.set("type", "based")
        root.set("serverVersion", Self.serverVersion)
        root.set("openSubsonic", true)
        switch payload {
        case .one(let node)?: root.add(node)
        case .many(let name, let nodes)?: root.add(name, list: nodes)
        case nil: break
        }
        var out = ""
        out.reserveCapacity(4096)
        switch self {
        case .xml:
            out += #"<?xml version="1.0" encoding="UTF-8"?>"#
            Self.writeXML(root, namespace: true, to: &out)
        case .json:
            out += #"{"subsonic-response":"#
            Self.writeJSONObject(root, to: &out)
            out += "}"
        }
        return out
    }

    // MARK: XML

    static func writeXML(_ node: SubsonicNode, namespace: Bool = false, to out: inout String) {
        out += "<" + node.name
        if namespace { out += #" xmlns="http://subsonic.org/restapi""# }
        for (key, value) in node.attributes {
            out += " " + key + "=\""
            writeXMLValue(value, to: &out)
            out += "\""
        }
        if node.children.isEmpty && node.content == nil {
            out += "/>"
            return
        }
        out += ">"
        if let content = node.content { writeXMLValue(content, to: &out) }
        for child in node.children {
            switch child {
            case .one(let element): writeXML(element, to: &out)
            case .many(_, let elements): for element in elements { writeXML(element, to: &out) }
            }
        }
        out += "</" + node.name + ">"
    }

    static func writeXMLValue(_ value: SubsonicNode.Value, to out: inout String) {
        switch value {
        case .string(let text): escapeXML(text, to: &out)
        case .int(let number): out += String(number)
        case .double(let number): out += String(number)
        case .bool(let flag): out += flag ? "true" : "false"
        }
    }

    /// Escapes markup and drops the characters XML 1.0 cannot carry at all.
    static func escapeXML(_ text: String, to out: inout String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += "&#\(scalar.value);"
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
    }

    // MARK: JSON

    static func writeJSON(_ node: SubsonicNode, to out: inout String) {
        // An element with only content is its value; anything else an object.
        if node.attributes.isEmpty && node.children.isEmpty, let content = node.content {
            writeJSONValue(content, to: &out)
        } else {
            writeJSONObject(node, to: &out)
        }
    }

    static func writeJSONObject(_ node: SubsonicNode, to out: inout String) {
        out += "{"
        var first = true
        func key(_ name: String) {
            if !first { out += "," }
            first = false
            writeJSONString(name, to: &out)
            out += ":"
        }
        for (name, value) in node.attributes {
            key(name)
            writeJSONValue(value, to: &out)
        }
        if let content = node.content {
            key("value")
            writeJSONValue(content, to: &out)
        }
        for child in node.children {
            switch child {
            case .one(let element):
                key(element.name)
                writeJSON(element, to: &out)
            case .many(let name, let elements):
                key(name)
                out += "["
                for (index, element) in elements.enumerated() {
                    if index > 0 { out += "," }
                    writeJSON(element, to: &out)
                }
                out += "]"
            }
        }
        out += "}"
    }

    static func writeJSONValue(_ value: SubsonicNode.Value, to out: inout String) {
        switch value {
        case .string(let text): writeJSONString(text, to: &out)
        case .int(let number): out += String(number)
        case .double(let number): out += String(number)
        case .bool(let flag): out += flag ? "true" : "false"
        }
    }

    static func writeJSONString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
