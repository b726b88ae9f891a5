package atlas.http;

/** Sizes a request may not exceed; each breach has its own status (414, 431, 413). */
public record HttpLimits(int maxRequestLineBytes, int maxHeadBytes, int maxHeaderCount, long maxBodyBytes) {
    public static final HttpLimits DEFAULTS = new HttpLimits(8 * 1024, 16 * 1024, 100, 4L << 30);
}
