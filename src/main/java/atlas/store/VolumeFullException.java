package atlas.store;

import java.io.IOException;

/** No extent of the requested size can be had: the data file is at its maximum size and too fragmented or full. */
public final class VolumeFullException extends IOException {
    private static final long serialVersionUID = 1L;

    public VolumeFullException(String message) {
        super(message);
    }
}
