package atlas.access;

import atlas.http.Method;
import atlas.store.ObjectNames;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What one credential may write: rules of "these methods (PUT, POST, DELETE) on names under this prefix". An
 * encoder's key for one channel is {@code PUT,POST,DELETE live/ch1/}; an operator's is everything. GET in a rule
 * is the one read a credential is needed for: names {@code --protect} guards, read without a signed URL by an edge
 * filling from this node ({@code GET vod/}); {@link #EVERYTHING} does not include it.
 * <p>
 * Immutable, shared by all cores. {@link #permits} runs per write request and allocates nothing.
 */
public final class WriteScope {
    /** Every write method on every name: a credential without scope lines in the auth file. */
    public static final WriteScope EVERYTHING = new WriteScope(new int[] {mask(Method.PUT, Method.POST, Method.DELETE)},
            new byte[][] {new byte[0]});

    /** Rule i: methods[i] (a mask of {@link #bit}) under prefixes[i] (empty: every name). */
    private final int[] methods;
    private final byte[][] prefixes;

    private WriteScope(int[] methods, byte[][] prefixes) {
        this.methods = methods;
        this.prefixes = prefixes;
    }

    /** One rule: {@code methods} (a mask of {@link #bit}) under each of {@code prefixes} ("" is every name). */
    public static WriteScope of(int methods, List<String> prefixes) {
        int[] m = new int[prefixes.size()];
        byte[][] p = new byte[prefixes.size()][];
        for (int i = 0; i < p.length; i++) {
            m[i] = methods;
            p[i] = prefixes.get(i).getBytes(StandardCharsets.UTF_8);
        }
        return new WriteScope(m, p);
    }

    /** The rules of both scopes (two scope lines of one credential). */
    WriteScope union(WriteScope other) {
        int n = methods.length + other.methods.length;
        int[] m = new int[n];
        byte[][] p = new byte[n][];
        System.arraycopy(methods, 0, m, 0, methods.length);
        System.arraycopy(other.methods, 0, m, methods.length, other.methods.length);
        System.arraycopy(prefixes, 0, p, 0, prefixes.length);
        System.arraycopy(other.prefixes, 0, p, prefixes.length, other.prefixes.length);
        return new WriteScope(m, p);
    }

    public static int bit(Method m) {
        return 1 << m.ordinal();
    }

    static int mask(Method... list) {
        int mask = 0;
        for (Method m : list) {
            mask |= bit(m);
        }
        return mask;
    }

    /** True when {@code method} on the name {@code path[0, length)} is within this scope. */
    public boolean permits(Method method, byte[] path, int length) {
        int bit = bit(method);
        for (int i = 0; i < methods.length; i++) {
            if ((methods[i] & bit) != 0 && ObjectNames.hasPrefix(path, length, prefixes[i])) {
                return true;
            }
        }
        return false;
    }

    /** "PUT,DELETE live/ch1/; PUT vod/" — for the start-up report and errors. */
    @Override
    public String toString() {
        List<String> rules = new ArrayList<>();
        for (int i = 0; i < methods.length; i++) {
            StringBuilder s = new StringBuilder();
            for (Method m : Method.values()) {
                if ((methods[i] & bit(m)) != 0) {
                    s.append(s.isEmpty() ? "" : ",").append(m);
                }
            }
            s.append(' ').append(prefixes[i].length == 0 ? "*" : new String(prefixes[i], StandardCharsets.UTF_8));
            rules.add(s.toString());
        }
        return String.join("; ", rules);
    }
}
