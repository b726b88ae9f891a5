package atlas.tls;

import java.util.Arrays;
import java.util.Locale;
import org.bouncycastle.tls.NamedGroup;

/**
 * The key exchange groups the server accepts, in its order of preference, for TLS 1.3 and TLS 1.2 alike
 * ({@code --tls-groups}). Only X25519, P-256 and P-384 can be chosen: finite-field groups would let a client make
 * each handshake cost tens of milliseconds, and the legacy TLS 1.2 curves (sect163k1, secp160k1, brainpool, ...)
 * and X448 are weak, rarely implemented well, or both; testssl.sh flags a server that negotiates them.
 */
public final class TlsGroups {
    /** The default list, as {@code --tls-groups} takes it. */
    public static final String DEFAULT = "x25519,p256,p384";

    private TlsGroups() {
    }

    /**
     * The IANA group codes of a comma-separated list of {@code x25519}, {@code p256} ({@code secp256r1},
     * {@code prime256v1}, {@code P-256}), {@code p384} ({@code secp384r1}, {@code P-384}), case-insensitive.
     *
     * @throws IllegalArgumentException naming the first unknown group, a repeated one, or an empty list
     */
    public static int[] parse(String list) {
        String[] names = list.split(",", -1);
        int[] groups = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            int group = code(names[i].strip().toLowerCase(Locale.ROOT));
            if (group < 0) {
                throw new IllegalArgumentException("unknown group '" + names[i].strip()
                        + "': choose from x25519, p256, p384");
            }
            if (Arrays.stream(groups, 0, i).anyMatch(g -> g == group)) {
                throw new IllegalArgumentException("group '" + names[i].strip() + "' listed twice");
            }
            groups[i] = group;
        }
        return groups;
    }

    /** True if {@link #parse} accepts {@code list}. */
    public static boolean isValid(String list) {
        try {
            parse(list);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static int code(String name) {
        return switch (name) {
            case "x25519" -> NamedGroup.x25519;
            case "p256", "p-256", "secp256r1", "prime256v1" -> NamedGroup.secp256r1;
            case "p384", "p-384", "secp384r1" -> NamedGroup.secp384r1;
            default -> -1;
        };
    }

    /** True if {@code group} (an IANA code) is among {@code groups}. */
    static boolean contains(int[] groups, int group) {
        for (int g : groups) {
            if (g == group) {
                return true;
            }
        }
        return false;
    }
}
