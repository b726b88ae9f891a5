package atlas.access;

/**
 * What {@link UrlTokenVerifier} concluded about a request. The server answers as nginx's {@code secure_link}
 * does: {@link #MISSING} and {@link #INVALID} are 403, {@link #EXPIRED} is 410 (so a player can tell a link that
 * needs renewing from one that never worked).
 */
public enum TokenVerdict {
    /** A token signed by a listed key covers this path, client and second. */
    VALID,
    /** No token in any place a token may be. */
    MISSING,
    /** A token that does not parse, is not signed by a listed key, is for another path or client, or is not valid yet. */
    INVALID,
    /** An authentic token for this request whose expiry has passed. Only said of authentic tokens, so a forger learns nothing. */
    EXPIRED
}
