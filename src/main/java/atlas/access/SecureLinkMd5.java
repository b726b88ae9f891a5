package atlas.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * nginx {@code secure_link} links, for operators moving from an nginx configuration such as
 * <pre>
 *   secure_link     $arg_md5,$arg_expires;
 *   secure_link_md5 "$secure_link_expires$uri$remote_addr secret";
 * </pre>
 * A link carries {@code ?md5=HASH&expires=EPOCH_S} where HASH is base64url without padding (RFC 4648 §5) of the
 * MD5 of the template with its variables replaced — what nginx documents making with
 * {@code echo -n '…' | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d =}. MD5 is weak, but it is what
 * those links were made with; EdgeAuth tokens are the format to move to.
 *
 * <p>Variables: {@code $secure_link_expires} (the {@code expires} argument as sent), {@code $uri} (the decoded
 * path) and {@code $remote_addr} (the client address), also as {@code ${name}}; everything else is literal text
 * and must include the secret. Immutable and shared; {@link UrlTokenVerifier} hashes a template through
 * {@link #update} with its own digest.
 */
public final class SecureLinkMd5 {
    static final int MD5_BYTES = 16;

    private static final int LITERAL = 0;
    private static final int EXPIRES = 1;
    private static final int URI = 2;
    private static final int REMOTE_ADDR = 3;
    private static final String[] VARIABLES = {null, "secure_link_expires", "uri", "remote_addr"};

    private final int[] kinds;
    private final byte[][] literals;

    private SecureLinkMd5(int[] kinds, byte[][] literals) {
        this.kinds = kinds;
        this.literals = literals;
    }

    /**
     * @param template as nginx's {@code secure_link_md5}, e.g. {@code "$secure_link_expires$uri$remote_addr secret"}
     * @throws IllegalArgumentException for an unknown variable or a '$' without a name (with the index), a template
     *                                  without {@code $secure_link_expires} (the expiry would not be signed, so anyone
     *                                  could extend a link) or without literal text (no secret: anyone could sign)
     */
    public static SecureLinkMd5 parse(String template) {
        List<Integer> kinds = new ArrayList<>();
        List<byte[]> literals = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c != '$') {
                literal.append(c);
                i++;
                continue;
            }
            boolean braced = i + 1 < template.length() && template.charAt(i + 1) == '{';
            int nameStart = braced ? i + 2 : i + 1;
            int nameEnd = nameStart;
            while (nameEnd < template.length() && isNameChar(template.charAt(nameEnd))) {
                nameEnd++;
            }
            if (nameEnd == nameStart || braced && (nameEnd == template.length() || template.charAt(nameEnd) != '}')) {
                throw new IllegalArgumentException("secure link template: '$' at index " + i
                        + " is not followed by a variable name" + (braced ? " and '}'" : ""));
            }
            String name = template.substring(nameStart, nameEnd);
            int kind = kindOf(name);
            if (kind < 0) {
                throw new IllegalArgumentException("secure link template: unknown variable $" + name + " at index " + i
                        + " (known: $secure_link_expires, $uri, $remote_addr)");
            }
            if (!literal.isEmpty()) {
                kinds.add(LITERAL);
                literals.add(literal.toString().getBytes(StandardCharsets.UTF_8));
                literal.setLength(0);
            }
            kinds.add(kind);
            literals.add(null);
            i = braced ? nameEnd + 1 : nameEnd;
        }
        if (!literal.isEmpty()) {
            kinds.add(LITERAL);
            literals.add(literal.toString().getBytes(StandardCharsets.UTF_8));
        }
        if (!kinds.contains(EXPIRES)) {
            throw new IllegalArgumentException("secure link template has no $secure_link_expires: the expires= argument "
                    + "would not be signed and anyone could extend a link");
        }
        if (!kinds.contains(LITERAL)) {
            throw new IllegalArgumentException("secure link template has no literal text: without a secret in it "
                    + "anyone can make a link (e.g. '$secure_link_expires$uri$remote_addr secret')");
        }
        return new SecureLinkMd5(kinds.stream().mapToInt(Integer::intValue).toArray(), literals.toArray(new byte[0][]));
    }

    /**
     * @param uri        the decoded path with its leading '/', as the server will see it
     * @param remoteAddr the client address (written as nginx writes it, e.g. {@code ::1} for {@code 0:0:0:0:0:0:0:1}),
     *                   or null when the template does not use {@code $remote_addr}
     * @return {@code md5=HASH&expires=EPOCH_S}
     */
    public String sign(String uri, long expiresEpochSec, String remoteAddr) {
        if (expiresEpochSec <= 0) {
            throw new IllegalArgumentException("expires must be a positive epoch second, not " + expiresEpochSec);
        }
        if (remoteAddr == null && usesRemoteAddr()) {
            throw new IllegalArgumentException("the secure link template uses $remote_addr: give the client address");
        }
        byte[] expires = Long.toString(expiresEpochSec).getBytes(StandardCharsets.US_ASCII);
        byte[] path = uri.getBytes(StandardCharsets.UTF_8);
        byte[] addr = remoteAddr == null ? new byte[0] : canonical(remoteAddr.getBytes(StandardCharsets.UTF_8));
        MessageDigest md5 = newMd5();
        update(md5, expires, expires.length, path, path.length, addr, addr.length);
        String hash = Base64.getUrlEncoder().withoutPadding().encodeToString(md5.digest());
        return "md5=" + hash + "&expires=" + expiresEpochSec;
    }

    /** An address literal as nginx's $remote_addr prints it (what the verifier hashes), other text as it is. */
    private static byte[] canonical(byte[] addr) {
        byte[] address = new byte[IpAddressText.ADDRESS_BYTES];
        if (!IpAddressText.parse(addr, 0, addr.length, address)) {
            return addr;
        }
        byte[] text = new byte[64];
        return Arrays.copyOf(text, IpAddressText.formatCanonical(address, text));
    }

    public boolean usesRemoteAddr() {
        for (int kind : kinds) {
            if (kind == REMOTE_ADDR) {
                return true;
            }
        }
        return false;
    }

    /** Feeds the expanded template into {@code md5}: the one definition of the hash for signing and verifying. */
    void update(MessageDigest md5, byte[] expires, int expiresLength, byte[] uri, int uriLength,
                byte[] remoteAddr, int remoteAddrLength) {
        for (int i = 0; i < kinds.length; i++) {
            switch (kinds[i]) {
                case LITERAL -> md5.update(literals[i]);
                case EXPIRES -> md5.update(expires, 0, expiresLength);
                case URI -> md5.update(uri, 0, uriLength);
                default -> md5.update(remoteAddr, 0, remoteAddrLength);
            }
        }
    }

    static MessageDigest newMd5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no MD5, which every Java SE platform must provide", e);
        }
    }

    /** The variables only: the literal text holds the secret and configurations get logged. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SecureLinkMd5[");
        for (int kind : kinds) {
            sb.append(kind == LITERAL ? "…" : "$" + VARIABLES[kind]);
        }
        return sb.append(']').toString();
    }

    private static int kindOf(String name) {
        for (int k = 1; k < VARIABLES.length; k++) {
            if (VARIABLES[k].equals(name)) {
                return k;
            }
        }
        return -1;
    }

    private static boolean isNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
    }
}
