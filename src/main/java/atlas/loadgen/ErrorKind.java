package atlas.loadgen;

/**
 * What went wrong with one request or connection. Each failure closes only its connection, which reconnects;
 * the run goes on and the report counts them by kind.
 */
public enum ErrorKind {
    /** Connecting failed or took longer than the timeout. */
    CONNECT("connect"),
    /** A read failed, or the server closed the connection in the middle of a response. */
    READ("read"),
    /** Writing a request failed. */
    WRITE("write"),
    /** No complete response within the timeout. */
    TIMEOUT("timeout"),
    /** A complete response whose status is not 2xx (still counted as a request, as wrk does). */
    STATUS("non-2xx"),
    /** A response that could not be framed (see {@link ResponseParser}), or bytes nobody asked for. */
    PARSE("parse");

    private final String label;

    ErrorKind(String label) {
        this.label = label;
    }

    /** Short name for reports and JSON keys. */
    public String label() {
        return label;
    }
}
