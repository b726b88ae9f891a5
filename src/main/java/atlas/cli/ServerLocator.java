package atlas.cli;

import atlas.store.Volume;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * Where the server is. The running server advertises its URL in the volume's lock, so a command given only
 * {@code --data} finds the server that holds that volume; {@code --server} overrides it.
 */
final class ServerLocator {
    static final String DEFAULT_URL = "http://127.0.0.1:8080/";

    private ServerLocator() {
    }

    /** The URL of the server holding the volume in {@code dataDir}, or null when no server holds it. */
    static URI holder(Path dataDir) throws IOException {
        String url = Volume.lockHolder(dataDir);
        return url == null ? null : ObjectUrls.base(url);
    }

    /** {@code --server}, else the volume's holder, else the default address of {@code atlas serve}. */
    static URI forUpload(String serverOption, Path dataDir) throws IOException {
        if (serverOption != null) {
            return ObjectUrls.base(serverOption);
        }
        URI holder = holder(dataDir);
        return holder != null ? holder : ObjectUrls.base(DEFAULT_URL);
    }

    /** For commands that work offline unless a server holds the volume: {@code --server} or the holder or null. */
    static URI ifRunning(String serverOption, Path dataDir) throws IOException {
        return serverOption != null ? ObjectUrls.base(serverOption) : holder(dataDir);
    }
}
