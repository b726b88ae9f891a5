package atlas.http;

/**
 * Content-Type by file extension, covering the video formats (HLS, DASH, MPEG-TS, fMP4) and the usual web types.
 * Lookup compares the extension in place (no lower-casing copy), so it is cheap enough for every response.
 */
public final class MediaTypes {
    public static final String OCTET_STREAM = "application/octet-stream";

    /** Pairs of (extension, media type); a linear scan over ~30 entries beats hashing a fresh substring. */
    private static final String[] TABLE = {
        // Streaming: RFC 8216 §4 (HLS), ISO/IEC 23009-1 Annex C (DASH), RFC 3555 (MPEG-TS), RFC 4337 (MP4).
        "m3u8", "application/vnd.apple.mpegurl",
        "mpd", "application/dash+xml",
        "ts", "video/mp2t",
        "m4s", "video/mp4",
        "mp4", "video/mp4",
        "m4v", "video/mp4",
        "m4a", "audio/mp4",
        "aac", "audio/aac",
        "mp3", "audio/mpeg",
        "vtt", "text/vtt",
        "webm", "video/webm",
        "key", OCTET_STREAM,
        // Web player assets.
        "html", "text/html; charset=utf-8",
        "htm", "text/html; charset=utf-8",
        "css", "text/css; charset=utf-8",
        "js", "text/javascript; charset=utf-8",
        "mjs", "text/javascript; charset=utf-8",
        "json", "application/json",
        "txt", "text/plain; charset=utf-8",
        "png", "image/png",
        "jpg", "image/jpeg",
        "jpeg", "image/jpeg",
        "gif", "image/gif",
        "webp", "image/webp",
        "svg", "image/svg+xml",
        "ico", "image/vnd.microsoft.icon",
        "wasm", "application/wasm",
        "xml", "application/xml",
    };

    private MediaTypes() {
    }

    /** The media type for {@code name}'s extension (case-insensitive), or null when the extension is unknown. */
    public static String forName(String name) {
        int dot = extensionStart(name);
        if (dot < 0) {
            return null;
        }
        int extLength = name.length() - dot - 1;
        for (int i = 0; i < TABLE.length; i += 2) {
            String ext = TABLE[i];
            if (ext.length() == extLength && name.regionMatches(true, dot + 1, ext, 0, extLength)) {
                return TABLE[i + 1];
            }
        }
        return null;
    }

    /** True for playlists/manifests (.m3u8, .mpd): short cache lifetime, they change while live. */
    public static boolean isManifest(String name) {
        int dot = extensionStart(name);
        if (dot < 0) {
            return false;
        }
        int extLength = name.length() - dot - 1;
        return extLength == 4 && name.regionMatches(true, dot + 1, "m3u8", 0, 4)
            || extLength == 3 && name.regionMatches(true, dot + 1, "mpd", 0, 3);
    }

    /** Index of the dot that starts the last path segment's extension, or -1 (none, or a dot-file like ".key"). */
    private static int extensionStart(String name) {
        for (int i = name.length() - 1; i >= 0; i--) {
            char c = name.charAt(i);
            if (c == '.') {
                boolean leading = i == 0 || name.charAt(i - 1) == '/';
                return leading || i == name.length() - 1 ? -1 : i;
            }
            if (c == '/') {
                return -1;
            }
        }
        return -1;
    }
}
