package atlas.tls;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A ClientHello built byte by byte (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2), for inputs no real client library will
 * send: future legacy versions, no renegotiation signal, odd groups, huge extensions, malformed lengths. Fed to
 * {@link TlsHandshake} as records of any size; {@link ServerReply} reads what came back.
 */
final class RawClientHello {
    static final int EXT_SUPPORTED_GROUPS = 10;
    static final int EXT_EC_POINT_FORMATS = 11;
    static final int EXT_SIGNATURE_ALGORITHMS = 13;
    static final int EXT_SUPPORTED_VERSIONS = 43;
    static final int EXT_KEY_SHARE = 51;
    static final int EXT_RENEGOTIATION_INFO = 0xFF01;
    static final int SCSV = 0x00FF;

    int legacyVersion = 0x0303;
    int recordVersion = 0x0301;
    int[] suites = {0xC02B, 0xC02F, SCSV}; // ECDHE_ECDSA/RSA_WITH_AES_128_GCM_SHA256
    private final List<byte[]> extensions = new ArrayList<>();
    /** Overrides the handshake message's declared body length when not -1 (a malformed message). */
    int declaredLength = -1;

    /** A TLS 1.2 ClientHello: EC groups, point formats, signature algorithms, AES-GCM suites, the SCSV. */
    static RawClientHello tls12(int... groups) {
        RawClientHello h = new RawClientHello();
        h.extension(EXT_SUPPORTED_GROUPS, list16(groups));
        h.extension(EXT_EC_POINT_FORMATS, new byte[] {1, 0});
        h.extension(EXT_SIGNATURE_ALGORITHMS, list16(0x0403, 0x0503, 0x0804, 0x0805, 0x0401));
        return h;
    }

    /** A TLS 1.3 ClientHello with an X25519 key share (random bytes: any 32 bytes are an X25519 public key). */
    static RawClientHello tls13() {
        RawClientHello h = new RawClientHello();
        h.suites = new int[] {0x1301, 0x1302};
        h.extension(EXT_SUPPORTED_GROUPS, list16(0x001D));
        h.extension(EXT_SIGNATURE_ALGORITHMS, list16(0x0403, 0x0503, 0x0804));
        h.extension(EXT_SUPPORTED_VERSIONS, new byte[] {2, 3, 4});
        byte[] share = new byte[2 + 2 + 2 + 32];
        share[1] = 36;
        share[3] = 0x1D;
        share[5] = 32;
        byte[] key = new byte[32];
        new Random(7).nextBytes(key);
        System.arraycopy(key, 0, share, 6, 32);
        h.extension(EXT_KEY_SHARE, share);
        return h;
    }

    RawClientHello extension(int type, byte[] data) {
        byte[] e = new byte[4 + data.length];
        e[0] = (byte) (type >>> 8);
        e[1] = (byte) type;
        e[2] = (byte) (data.length >>> 8);
        e[3] = (byte) data.length;
        System.arraycopy(data, 0, e, 4, data.length);
        extensions.add(e);
        return this;
    }

    /** Bytes of all extensions so far (the ClientHello's extensions field without its length). */
    int extensionsLength() {
        return extensions.stream().mapToInt(e -> e.length).sum();
    }

    /** Removes every extension of {@code type}. */
    RawClientHello without(int type) {
        extensions.removeIf(e -> ((e[0] & 0xFF) << 8 | (e[1] & 0xFF)) == type);
        return this;
    }

    /** A uint16-length list of uint16 values (supported_groups, signature_algorithms). */
    static byte[] list16(int... values) {
        byte[] b = new byte[2 + 2 * values.length];
        b[0] = (byte) (2 * values.length >>> 8);
        b[1] = (byte) (2 * values.length);
        for (int i = 0; i < values.length; i++) {
            b[2 + 2 * i] = (byte) (values[i] >>> 8);
            b[3 + 2 * i] = (byte) values[i];
        }
        return b;
    }

    /** The handshake message: type 1, uint24 length, body. */
    byte[] message() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(legacyVersion >>> 8);
        body.write(legacyVersion);
        body.writeBytes(new byte[32]); // random
        body.write(0); // session id
        body.write(suites.length * 2 >>> 8);
        body.write(suites.length * 2);
        for (int s : suites) {
            body.write(s >>> 8);
            body.write(s);
        }
        body.write(1); // compression methods: null
        body.write(0);
        int extLength = extensionsLength();
        body.write(extLength >>> 8);
        body.write(extLength);
        extensions.forEach(body::writeBytes);
        byte[] b = body.toByteArray();
        int length = declaredLength >= 0 ? declaredLength : b.length;
        byte[] m = new byte[4 + b.length];
        m[0] = 1;
        m[1] = (byte) (length >>> 16);
        m[2] = (byte) (length >>> 8);
        m[3] = (byte) length;
        System.arraycopy(b, 0, m, 4, b.length);
        return m;
    }

    /** The message as handshake records of at most {@code fragment} bytes each. */
    List<byte[]> records(int fragment) {
        byte[] m = message();
        List<byte[]> records = new ArrayList<>();
        for (int off = 0; off < m.length; off += fragment) {
            int n = Math.min(fragment, m.length - off);
            byte[] r = new byte[5 + n];
            r[0] = RecordLayout.HANDSHAKE;
            r[1] = (byte) (recordVersion >>> 8);
            r[2] = (byte) recordVersion;
            r[3] = (byte) (n >>> 8);
            r[4] = (byte) n;
            System.arraycopy(m, off, r, 5, n);
            records.add(r);
        }
        return records;
    }

    /** Feeds the records to {@code server} one at a time and returns everything it answered. */
    ServerReply sendTo(TlsHandshake server, int fragment) {
        for (byte[] r : records(fragment)) {
            server.offerRecord(r, 0, r.length);
            if (server.hasFailed()) {
                break;
            }
        }
        byte[] out = new byte[1 << 16];
        int n = 0;
        for (int k; (k = server.drainOutput(out, n, out.length - n)) > 0; ) {
            n += k;
        }
        return new ServerReply(Arrays.copyOf(out, n));
    }

    /** The server's plaintext answer to a ClientHello: its first record, parsed far enough for the tests. */
    record ServerReply(byte[] bytes) {
        /** The alert description if the server's first record is an alert, else -1. */
        int alert() {
            return bytes.length >= 7 && bytes[0] == RecordLayout.ALERT ? bytes[6] & 0xFF : -1;
        }

        boolean isServerHello() {
            return bytes.length > 9 && bytes[0] == RecordLayout.HANDSHAKE && bytes[5] == 2;
        }

        /** ServerHello.legacy_version, or the supported_versions selection when present. */
        int negotiatedVersion() {
            int legacy = (bytes[9] & 0xFF) << 8 | (bytes[10] & 0xFF);
            byte[] sv = extension(EXT_SUPPORTED_VERSIONS);
            return sv == null ? legacy : (sv[0] & 0xFF) << 8 | (sv[1] & 0xFF);
        }

        /** The data of a ServerHello extension, or null. */
        byte[] extension(int type) {
            int p = 5 + 4 + 2 + 32;
            p += 1 + (bytes[p] & 0xFF); // session id
            p += 2 + 1; // suite, compression
            int end = p + 2 + ((bytes[p] & 0xFF) << 8 | (bytes[p + 1] & 0xFF));
            for (p += 2; p < end; ) {
                int t = (bytes[p] & 0xFF) << 8 | (bytes[p + 1] & 0xFF);
                int n = (bytes[p + 2] & 0xFF) << 8 | (bytes[p + 3] & 0xFF);
                if (t == type) {
                    return Arrays.copyOfRange(bytes, p + 4, p + 4 + n);
                }
                p += 4 + n;
            }
            return null;
        }

        /**
         * TLS 1.2: the named group of the ServerKeyExchange (ECDHE: curve_type 3, then the group), found by
         * walking the handshake messages of the server's flight; -1 if there is none.
         */
        int serverKeyExchangeGroup() {
            byte[] messages = handshakeBytes();
            for (int p = 0; p + 4 <= messages.length; ) {
                int type = messages[p] & 0xFF;
                int n = (messages[p + 1] & 0xFF) << 16 | (messages[p + 2] & 0xFF) << 8 | (messages[p + 3] & 0xFF);
                if (type == 12) {
                    return (messages[p + 5] & 0xFF) << 8 | (messages[p + 6] & 0xFF);
                }
                p += 4 + n;
            }
            return -1;
        }

        /** The plaintext handshake records' payloads joined (the whole TLS 1.2 server flight). */
        private byte[] handshakeBytes() {
            ByteArrayOutputStream m = new ByteArrayOutputStream();
            for (int p = 0; p + 5 <= bytes.length; ) {
                int n = (bytes[p + 3] & 0xFF) << 8 | (bytes[p + 4] & 0xFF);
                if (bytes[p] == RecordLayout.HANDSHAKE) {
                    m.write(bytes, p + 5, n);
                }
                p += 5 + n;
            }
            return m.toByteArray();
        }
    }
}
