package atlas.access;

/**
 * Who wrote: a user of the auth file (HTTP Basic) or a named bearer token, with what it may write. The name goes
 * into the access log's user field. Immutable, shared by all cores.
 */
public record Credential(String name, WriteScope scope) {
    /** Writes from a loopback peer when no auth file is configured (the demo, {@code atlas put} on the box). */
    public static final Credential LOOPBACK = new Credential("-", WriteScope.EVERYTHING);
}
