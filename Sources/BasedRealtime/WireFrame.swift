import NIOCore
import Synchronization

/// A text frame as it goes on the wire, header and payload, unmasked as a
/// server's frames are. A fan-out encodes it once and writes the same bytes to
/// every socket, below the WebSocket frame encoder.
public struct WireFrame: Sendable {
    public let bytes: ByteBuffer

    public init(text payload: ByteBuffer) {
        let length = payload.readableBytes
        var bytes = ByteBufferAllocator().buffer(capacity: length + 10)
        bytes.writeInteger(UInt8(0x81)) // FIN, text
        if length < 126 {
            bytes.writeInteger(UInt8(length))
        } else if length <= Int(UInt16.max) {
            bytes.writeInteger(UInt8(126))
            bytes.writeInteger(UInt16(length))
        } else {
            bytes.writeInteger(UInt8(127))
            bytes.writeInteger(UInt64(length))
        }
        bytes.writeImmutableBuffer(payload)
        self.bytes = bytes
    }

    public init(text: String) {
        self.init(text: ByteBuffer(string: text))
    }
}

/// Counts down from `count`; true on the tick that reaches zero.
public final class Countdown: Sendable {
    private let left: Atomic<Int>
    public init(_ count: Int) { left = Atomic(count) }
    public func tick() -> Bool { left.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 }
}
