package atlas.access;

/**
 * The signed-URL configuration, immutable and shared by every core; each core builds its own
 * {@link UrlTokenVerifier} from it.
 *
 * @param edgeAuthKeys keys for EdgeAuth tokens; empty when only secure links are accepted
 * @param secureLink   the nginx {@code secure_link_md5} template, or null when those links are not accepted
 * @param tokenName    the query argument, cookie, header and path-segment name of EdgeAuth tokens
 */
public record UrlSigning(SigningKeys edgeAuthKeys, SecureLinkMd5 secureLink, String tokenName) {
    /** Akamai's name for HLS/DASH tokens ("hdnts": HD network token, start time), which players' tooling knows. */
    public static final String DEFAULT_TOKEN_NAME = "hdnts";

    public UrlSigning {
        edgeAuthKeys = edgeAuthKeys == null ? SigningKeys.none() : edgeAuthKeys;
        tokenName = tokenName == null ? DEFAULT_TOKEN_NAME : tokenName;
        String problem = tokenNameProblem(tokenName);
        if (problem != null) {
            throw new IllegalArgumentException("token name '" + tokenName + "': " + problem);
        }
    }

    public UrlSigning(SigningKeys edgeAuthKeys, SecureLinkMd5 secureLink) {
        this(edgeAuthKeys, secureLink, DEFAULT_TOKEN_NAME);
    }

    /**
     * The name must read the same as a query argument, cookie name, header name and path segment without
     * escaping, so: letters, digits, '-' and '_'; and it must not be {@code md5} or {@code expires}, the secure link's.
     *
     * @return null when {@code name} will do, else why not
     */
    public static String tokenNameProblem(String name) {
        if (name.isEmpty()) {
            return "empty";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return "only letters, digits, '-' and '_' (index " + i + ")";
            }
        }
        if (name.equals("md5") || name.equals("expires")) {
            return "taken by the secure link";
        }
        return null;
    }
}
