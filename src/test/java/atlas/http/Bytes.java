package atlas.http;

import java.nio.ByteBuffer;

/** Test fixtures: protocol text as Latin-1 bytes in direct or heap buffers, read back without array(). */
final class Bytes {
    private Bytes() {
    }

    /** A direct buffer holding {@code text} at {@code offset}, with slack after it. */
    static ByteBuffer direct(String text, int offset) {
        return fill(ByteBuffer.allocateDirect(offset + text.length() + 16), text, offset);
    }

    static ByteBuffer direct(String text) {
        return direct(text, 0);
    }

    static ByteBuffer heap(String text, int offset) {
        return fill(ByteBuffer.allocate(offset + text.length() + 16), text, offset);
    }

    static ByteBuffer fill(ByteBuffer buf, String text, int offset) {
        for (int i = 0; i < text.length(); i++) {
            buf.put(offset + i, (byte) text.charAt(i));
        }
        return buf;
    }

    static String string(ByteBuffer buf, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            sb.append((char) (buf.get(i) & 0xFF));
        }
        return sb.toString();
    }

    static String string(byte[] bytes, int length) {
        return new String(bytes, 0, length, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
