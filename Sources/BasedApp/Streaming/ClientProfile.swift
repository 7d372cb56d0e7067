import BasedMedia

/// What a client plays best, judged from its request when it does not say.
enum ClientProfile {
    /// AAC for Apple devices and Safari (which lack Opus in some versions and
    /// prefer AAC in hardware); Opus for everyone else, at the same quality for fewer bytes.
    static func preferredCodec(userAgent: String?, accept: String?) -> Rendition.Codec {
        if let accept = accept?.lowercased() {
            if accept.contains("audio/ogg") || accept.contains("audio/opus") { return .opus }
            if accept.contains("audio/mp4") || accept.contains("audio/aac") { return .aac }
            if accept.contains("audio/mpeg") { return .mp3 }
        }
        guard let agent = userAgent else { return .opus }
        let apple = ["iPhone", "iPad", "iPod", "AppleCoreMedia", "CFNetwork", "iOS", "watchOS", "tvOS"]
        if apple.contains(where: agent.contains) { return .aac }
        if agent.contains("Safari"), agent.contains("Macintosh"), !agent.contains("Chrome"), !agent.contains("Firefox") { return .aac }
        return .opus
    }
}
