package atlas.http;

import java.nio.ByteBuffer;

/**
 * STUB — contract only; implementation in progress.
 * <p>
 * Writes a response head as ASCII into a buffer without allocating: status line, fields, final CRLF.
 * Reused per connection. Writes at the buffer's position and advances it; throws
 * {@link java.nio.BufferOverflowException} if the head does not fit (heads are small and bounded).
 */
public final class ResponseHeadWriter {
    public ResponseHeadWriter() {
        throw new UnsupportedOperationException("stub");
    }

    /** Starts a head: "HTTP/1.1 {status} {reason}\r\n". */
    public ResponseHeadWriter begin(ByteBuffer dst, int status) { throw new UnsupportedOperationException("stub"); }

    public ResponseHeadWriter field(String name, String value) { throw new UnsupportedOperationException("stub"); }

    public ResponseHeadWriter field(String name, long value) { throw new UnsupportedOperationException("stub"); }

    /** A field whose value is ASCII bytes (an ETag, a cached date). */
    public ResponseHeadWriter field(String name, byte[] value) { throw new UnsupportedOperationException("stub"); }

    public ResponseHeadWriter field(String name, byte[] value, int offset, int length) { throw new UnsupportedOperationException("stub"); }

    /** "Content-Range: bytes first-last/length". */
    public ResponseHeadWriter contentRange(long first, long last, long length) { throw new UnsupportedOperationException("stub"); }

    /** Ends the head with the empty line. */
    public void end() { throw new UnsupportedOperationException("stub"); }
}
