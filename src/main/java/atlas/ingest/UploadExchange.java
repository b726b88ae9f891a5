package atlas.ingest;

import atlas.dataplane.Transport;
import atlas.http.ReceiveBuffer;
import atlas.store.ObjectRecord;

/**
 * The exchange an upload belongs to, as {@link ObjectUpload} sees it: the HTTP connection that parsed the head,
 * lends its receive buffer while the body is read, and turns the upload's one ending into a response.
 */
public interface UploadExchange {
    Transport transport();

    /** The connection's receive buffer: the body's first bytes came with the head; a chunked body streams through. */
    ReceiveBuffer received();

    /** Sends "100 Continue"; its completion is {@link ObjectUpload#onContinueSent}. */
    void sendContinue();

    /**
     * The request's body has been consumed to its end: the connection may take the next request after answering.
     * Until this is called, any answer must close the connection (the rest of the body would be parsed as a request).
     */
    void onBodyConsumed();

    /**
     * The upload's version exists as {@code record}, not yet visible to any reader: what must hold from the moment it
     * is published is set now (an edge marks its fills as upstream copies). Its commit is still to come.
     */
    default void onStaged(ObjectRecord record) {
    }

    /** The object is durable and published: {@code created} (201) or replaced (204), with {@code record}'s ETag. */
    void onStored(boolean created, ObjectRecord record);

    /** The deletion is durable (204). */
    void onDeleted();

    /** The upload failed with {@code status}; nothing of it was published. */
    void onUploadFailed(int status, String detail);

    /** The client went away mid-body: close without an answer. */
    void close();
}
