package atlas.server;

import atlas.store.ObjectRecord;
import atlas.store.Volume;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * The HTML page for "/" and any "prefix/": the objects under the prefix, linked, with size and type.
 * Capped, because a volume may hold millions of objects.
 */
final class Listing {
    static final int MAX_ENTRIES = 2000;

    private Listing() {
    }

    static byte[] html(Volume volume, String prefix) {
        List<ObjectRecord> records = volume.list(prefix, MAX_ENTRIES + 1);
        StringBuilder sb = new StringBuilder(4096);
        String title = "Atlas: /" + prefix;
        sb.append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title>\n<style>body{font-family:system-ui,sans-serif;margin:2em}td{padding:2px 12px}"
                        + "td.n{text-align:right;font-variant-numeric:tabular-nums}</style></head><body>\n<h1>")
                .append(escape(title)).append("</h1>\n<p>").append(volume.objectCount()).append(" objects in the volume")
                .append("</p>\n");
        if (records.isEmpty()) {
            sb.append("<p>No objects under this prefix.</p>\n");
        } else {
            sb.append("<table>\n<tr><th>name</th><th>bytes</th><th>type</th><th>modified</th></tr>\n");
            int shown = 0;
            for (ObjectRecord r : records) {
                if (shown++ == MAX_ENTRIES) {
                    sb.append("<tr><td colspan=4>… more objects not shown</td></tr>\n");
                    break;
                }
                String name = r.name(); // a slice of an edge's large object links to the object
                sb.append("<tr><td><a href=\"/").append(escape(urlPath(atlas.fill.SliceLayout.objectOf(name))))
                        .append("\">").append(escape(atlas.fill.SliceLayout.describe(name)))
                        .append("</a></td><td class=n>").append(r.length()).append("</td><td>")
                        .append(escape(r.contentType())).append("</td><td>")
                        .append(Instant.ofEpochMilli(r.mtimeMillis())).append("</td></tr>\n");
            }
            sb.append("</table>\n");
        }
        sb.append("</body></html>\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Percent-encodes what a URL path cannot carry, segment by segment ('/' stays). */
    static String urlPath(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 8);
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int v = b & 0xff;
            if ((v >= 'a' && v <= 'z') || (v >= 'A' && v <= 'Z') || (v >= '0' && v <= '9')
                    || v == '/' || v == '-' || v == '.' || v == '_' || v == '~') {
                sb.append((char) v);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(v >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(v & 15, 16)));
            }
        }
        return sb.toString();
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(ch);
            }
        }
        return sb.toString();
    }
}
