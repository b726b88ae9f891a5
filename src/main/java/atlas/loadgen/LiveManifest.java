package atlas.loadgen;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * What a viewer following a live DASH stream needs from its MPD (ISO/IEC 23009-1 §5.3.9.4, number-based
 * {@code SegmentTemplate}, as ffmpeg's dash muxer writes with {@code -use_template 1 -use_timeline 0}): when the
 * presentation started, how long a segment is, its first number, how early a segment may be asked for
 * ({@code availabilityTimeOffset}: in low-latency DASH a segment is fetched while it is produced) and the URLs of the
 * initialization and media segments of the first representation.
 */
record LiveManifest(URI base, long availabilityStartEpochMillis, long segmentNanos, long startNumber,
                    double availabilityTimeOffsetSeconds, String mediaTemplate, String initTemplate,
                    String representationId) {

    static LiveManifest parse(URI base, String xml) {
        Document doc;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new IllegalArgumentException(base + ": not an MPD (" + e.getMessage() + ")", e);
        }
        Element mpd = doc.getDocumentElement();
        if (!"MPD".equals(mpd.getLocalName())) {
            throw new IllegalArgumentException(base + ": not an MPD (root element " + mpd.getLocalName() + ")");
        }
        if (!"dynamic".equals(mpd.getAttribute("type"))) {
            throw new IllegalArgumentException(base + ": not a live MPD (type=\"" + mpd.getAttribute("type") + "\")");
        }
        long ast;
        try {
            ast = Instant.parse(mpd.getAttribute("availabilityStartTime")).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(base + ": availabilityStartTime \""
                    + mpd.getAttribute("availabilityStartTime") + "\" is not an xs:dateTime", e);
        }
        NodeList templates = mpd.getElementsByTagNameNS("*", "SegmentTemplate");
        if (templates.getLength() == 0) {
            throw new IllegalArgumentException(base + ": no SegmentTemplate (only number-based templates are followed)");
        }
        Element t = (Element) templates.item(0);
        String media = t.getAttribute("media");
        if (!media.contains("$Number") || t.getAttribute("duration").isEmpty()) {
            throw new IllegalArgumentException(base + ": the SegmentTemplate is not number-based with a duration "
                    + "(a SegmentTimeline is not followed)");
        }
        long timescale = t.getAttribute("timescale").isEmpty() ? 1 : Long.parseLong(t.getAttribute("timescale"));
        long duration = Long.parseLong(t.getAttribute("duration"));
        long start = t.getAttribute("startNumber").isEmpty() ? 1 : Long.parseLong(t.getAttribute("startNumber"));
        double ato = t.getAttribute("availabilityTimeOffset").isEmpty() ? 0
                : Double.parseDouble(t.getAttribute("availabilityTimeOffset"));
        Element representation = t.getParentNode() instanceof Element p && "Representation".equals(p.getLocalName())
                ? p : (Element) mpd.getElementsByTagNameNS("*", "Representation").item(0);
        String id = representation == null ? "" : representation.getAttribute("id");
        return new LiveManifest(base, ast, duration * 1_000_000_000L / timescale, start, ato, media,
                t.getAttribute("initialization"), id);
    }

    /** The media segment with {@code number}, resolved against the MPD's URL. */
    URI media(long number) {
        return base.resolve(substitute(mediaTemplate, number));
    }

    URI init() {
        return base.resolve(substitute(initTemplate, 0));
    }

    private String substitute(String template, long number) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (at < template.length()) {
            int open = template.indexOf('$', at);
            int close = open < 0 ? -1 : template.indexOf('$', open + 1);
            if (open < 0 || close < 0) {
                out.append(template, at, template.length());
                break;
            }
            out.append(template, at, open);
            String id = template.substring(open + 1, close);
            if (id.isEmpty()) {
                out.append('$');
            } else if (id.equals("RepresentationID")) {
                out.append(representationId);
            } else if (id.startsWith("Number")) {
                String format = id.substring("Number".length()); // "" or a width such as "%05d"
                out.append(String.format(Locale.ROOT, format.matches("%0?[0-9]*d") ? format : "%d", number));
            } else {
                throw new IllegalArgumentException(base + ": template identifier $" + id + "$ is not supported");
            }
            at = close + 1;
        }
        return out.toString();
    }
}
