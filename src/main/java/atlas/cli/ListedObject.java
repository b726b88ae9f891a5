package atlas.cli;

import atlas.store.ObjectRecord;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * One line of {@code atlas ls}, from the volume (offline) or from the server's listing, which sends
 * {@code name \t length \t contentType \t etag \t mtimeMillis} per object.
 */
record ListedObject(String name, long length, String contentType, String etag, long mtimeMillis) {

    static ListedObject of(ObjectRecord r) {
        return new ListedObject(r.name(), r.length(), r.contentType(), r.etag(), r.mtimeMillis());
    }

    static ListedObject parse(String line) throws IOException {
        String[] f = line.split("\t", -1);
        if (f.length != 5) {
            throw new IOException("unexpected listing line from server: " + line);
        }
        try {
            return new ListedObject(f[0], Long.parseLong(f[1]), f[2], f[3], Long.parseLong(f[4]));
        } catch (NumberFormatException e) {
            throw new IOException("unexpected listing line from server: " + line, e);
        }
    }

    String mtimeIso() {
        return Instant.ofEpochMilli(mtimeMillis).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /**
     * Aligned columns: {@code size  mtime  name}, or with {@code longFormat}
     * {@code size  mtime  content-type  etag  name}. The name is last so names with spaces stay readable and
     * {@code cut}/{@code awk} users can take it as "the rest of the line".
     */
    static void print(List<ListedObject> objects, boolean longFormat, PrintStream out) {
        int sizeWidth = 1;
        int typeWidth = 1;
        int etagWidth = 1;
        for (ListedObject o : objects) {
            sizeWidth = Math.max(sizeWidth, Long.toString(o.length).length());
            typeWidth = Math.max(typeWidth, o.contentType.length());
            etagWidth = Math.max(etagWidth, o.etag.length());
        }
        StringBuilder sb = new StringBuilder();
        for (ListedObject o : objects) {
            sb.setLength(0);
            String size = Long.toString(o.length);
            sb.repeat(' ', sizeWidth - size.length()).append(size).append("  ").append(o.mtimeIso()).append("  ");
            if (longFormat) {
                sb.append(o.contentType).repeat(' ', typeWidth - o.contentType.length()).append("  ");
                sb.append(o.etag).repeat(' ', etagWidth - o.etag.length()).append("  ");
            }
            out.println(sb.append(o.name));
        }
        out.flush();
    }
}
