package atlas.stream;

/** What responses read while their upload arrives report, per core ({@link GrowingTransmitter}). */
public interface ReadWhileIngestMetrics {
    /** A GET began streaming an object whose upload is still arriving. */
    void growingReadStarted();

    /** Such a response ended abnormally: its upload failed, the client stopped reading, or the upload stalled. */
    void growingReadFailed();
}
