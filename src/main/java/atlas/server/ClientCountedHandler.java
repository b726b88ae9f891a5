package atlas.server;

import atlas.access.ClientTable;
import atlas.dataplane.SocketTransport;
import atlas.dataplane.TransportHandler;

/**
 * Gives a connection's place back to its client's count in the {@link ClientTable} when the connection closes,
 * however it closes: an HTTPS connection whose handshake fails never reaches HTTP, so only the outermost handler,
 * which the engine always tells, can be trusted to see the end. Only for clients that are counted (loopback peers
 * are not), so the operator's local tools and benchmarks do not pay the extra call.
 */
final class ClientCountedHandler implements TransportHandler<SocketTransport> {
    private final TransportHandler<? super SocketTransport> inner;
    private final ClientTable table;
    private final ClientTable.Client client;

    ClientCountedHandler(TransportHandler<? super SocketTransport> inner, ClientTable table, ClientTable.Client client) {
        this.inner = inner;
        this.table = table;
        this.client = client;
    }

    @Override
    public void onOpen(SocketTransport transport) {
        inner.onOpen(transport);
    }

    @Override
    public void onReceived(int bytes) {
        inner.onReceived(bytes);
    }

    @Override
    public void onSent(int bytes) {
        inner.onSent(bytes);
    }

    @Override
    public void onTimeout() {
        inner.onTimeout();
    }

    @Override
    public void onDrain() {
        inner.onDrain();
    }

    @Override
    public void onClosed() {
        try {
            inner.onClosed();
        } finally {
            table.close(client);
        }
    }
}
