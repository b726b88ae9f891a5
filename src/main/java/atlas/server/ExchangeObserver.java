package atlas.server;

/**
 * Sees every HTTP exchange of one core, on that core's thread: the hook for access logs and per-request
 * metrics. Called twice per exchange; implementations must not block and should not allocate per call.
 */
interface ExchangeObserver {
    /**
     * A request head was parsed and is about to be answered. {@link HttpConnection#head} is valid only during
     * this call (its slices die when the receive buffer is reused): copy what must outlive it.
     */
    void onRequest(HttpConnection connection);

    /**
     * The exchange ended: the response was fully sent ({@code completed}), or the connection closed first.
     * {@link HttpConnection#status()}, {@link HttpConnection#exchangeBytesSent()} and
     * {@link HttpConnection#exchangeStartNs()} describe it. Also called for requests refused before a valid head
     * (then {@link #onRequest} was not called).
     */
    void onExchangeEnd(HttpConnection connection, boolean completed);

    ExchangeObserver NONE = new ExchangeObserver() {
        @Override
        public void onRequest(HttpConnection connection) {
        }

        @Override
        public void onExchangeEnd(HttpConnection connection, boolean completed) {
        }
    };
}
