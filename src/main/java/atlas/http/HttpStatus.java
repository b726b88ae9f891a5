package atlas.http;

/** STUB — reason phrases for the status codes the server sends. */
public final class HttpStatus {
    private HttpStatus() {
    }

    /** The reason phrase for {@code status} ("OK", "Partial Content", ...); "Unknown" for others. */
    public static String reason(int status) {
        throw new UnsupportedOperationException("stub");
    }
}
