package atlas.stream;

import atlas.dataplane.Transport;
import atlas.dataplane.TransportHandler;

/**
 * The engine side of a fake socket for a body transmitter under test: routes send completions and the deadline to
 * it, as HttpConnection does in TRANSMIT, and a close to {@code onClosed}.
 */
final class BodySocketSide implements TransportHandler<Transport> {
    private final Runnable onSent;
    private final Runnable onTimeout;
    private final Runnable onClosed;

    BodySocketSide(Runnable onSent, Runnable onTimeout, Runnable onClosed) {
        this.onSent = onSent;
        this.onTimeout = onTimeout;
        this.onClosed = onClosed;
    }

    @Override
    public void onOpen(Transport transport) {
    }

    @Override
    public void onReceived(int bytes) {
    }

    @Override
    public void onSent(int bytes) {
        onSent.run();
    }

    @Override
    public void onTimeout() {
        onTimeout.run();
    }

    @Override
    public void onDrain() {
    }

    @Override
    public void onClosed() {
        onClosed.run();
    }
}
