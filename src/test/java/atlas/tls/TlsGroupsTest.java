package atlas.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TlsGroupsTest {
    @Test
    void shouldParseTheDefaultInOrder() {
        assertThat(TlsGroups.parse(TlsGroups.DEFAULT)).containsExactly(29, 23, 24);
    }

    @Test
    void shouldTakeTheUsualAliasesInAnyCase() {
        assertThat(TlsGroups.parse("P-384, secp256r1,X25519")).containsExactly(24, 23, 29);
        assertThat(TlsGroups.parse("prime256v1")).containsExactly(23);
    }

    @Test
    void shouldRefuseOtherGroupsRepeatsAndEmptyLists() {
        assertThatThrownBy(() -> TlsGroups.parse("x25519,x448")).hasMessage(
                "unknown group 'x448': choose from x25519, p256, p384");
        assertThatThrownBy(() -> TlsGroups.parse("brainpoolP256r1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TlsGroups.parse("p256,P-256")).hasMessage("group 'P-256' listed twice");
        assertThatThrownBy(() -> TlsGroups.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(TlsGroups.isValid("x25519,")).isFalse();
        assertThat(TlsGroups.isValid("p384")).isTrue();
    }
}
