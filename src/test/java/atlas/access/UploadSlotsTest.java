package atlas.access;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UploadSlotsTest {
    @Test
    void shouldCapUploadsInFlightPerCredential() {
        UploadSlots slots = new UploadSlots(2);
        Credential a = new Credential("a", WriteScope.EVERYTHING);
        Credential b = new Credential("b", WriteScope.EVERYTHING);
        assertThat(slots.tryBegin(a)).isTrue();
        assertThat(slots.tryBegin(a)).isTrue();
        assertThat(slots.tryBegin(a)).isFalse();
        assertThat(slots.tryBegin(b)).as("another credential has its own").isTrue();
        slots.end(a);
        assertThat(slots.tryBegin(a)).isTrue();
        assertThat(slots.refused.sum()).isEqualTo(1);
    }
}
