package atlas.cli;

import atlas.http.MediaTypes;

/** The Content-Type an uploaded or imported file is stored with: by extension, else octet-stream. */
final class ContentTypes {
    private ContentTypes() {
    }

    static String of(String name) {
        String type = MediaTypes.forName(name);
        return type != null ? type : MediaTypes.OCTET_STREAM;
    }
}
