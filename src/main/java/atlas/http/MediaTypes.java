package atlas.http;

/**
 * STUB — contract only; implementation in progress.
 * <p>
 * Content-Type by file extension, covering the video formats (HLS, DASH, MPEG-TS, fMP4) and the usual web types.
 */
public final class MediaTypes {
    public static final String OCTET_STREAM = "application/octet-stream";

    private MediaTypes() {
    }

    /** The media type for {@code name}'s extension (case-insensitive), or null when the extension is unknown. */
    public static String forName(String name) {
        throw new UnsupportedOperationException("stub");
    }

    /** True for playlists/manifests (.m3u8, .mpd): short cache lifetime, they change while live. */
    public static boolean isManifest(String name) {
        throw new UnsupportedOperationException("stub");
    }
}
