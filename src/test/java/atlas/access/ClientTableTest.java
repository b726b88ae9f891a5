package atlas.access;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ClientTableTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void shouldRefuseConnectionsBeyondTheLimitAndTakeThemBackOnClose() {
        ClientTable t = new ClientTable(2, 0, 0);
        ClientTable.Client a = t.open("203.0.113.9");
        ClientTable.Client b = t.open("203.0.113.9");
        assertThat(a).isSameAs(b);
        assertThat(t.open("203.0.113.9")).as("third").isNull();
        assertThat(t.open("198.51.100.1")).as("another client is not affected").isNotNull();
        assertThat(t.connectionsRefused.sum()).isEqualTo(1);
        t.close(a);
        assertThat(t.open("203.0.113.9")).isNotNull();
    }

    @Test
    void shouldAdmitTheBurstThenTheRate() {
        ClientTable t = new ClientTable(0, 10, 5); // 10/s: one every 100 ms, 5 at once
        ClientTable.Client c = t.open("203.0.113.9");
        long now = 1000 * SECOND;
        int admitted = 0;
        for (int i = 0; i < 20; i++) {
            if (t.admitRequest(c, now) == 0) {
                admitted++;
            }
        }
        assertThat(admitted).as("the burst plus the one at the head of the bucket").isEqualTo(6);
        long wait = t.admitRequest(c, now);
        assertThat(wait).isPositive().isLessThanOrEqualTo(SECOND / 10);
        assertThat(t.admitRequest(c, now + wait)).as("after the wait it says").isZero();
        assertThat(t.requestsLimited.sum()).isEqualTo(15);
        long later = now + 10 * SECOND;
        assertThat(t.admitRequest(c, later)).as("refilled").isZero();
    }

    @Test
    void shouldSweepOnlyIdleClients() {
        ClientTable t = new ClientTable(10, 10, 5);
        ClientTable.Client busy = t.open("192.0.2.1");
        ClientTable.Client idle = t.open("192.0.2.2");
        t.admitRequest(idle, 0);
        t.close(idle);
        t.sweep(10 * SECOND);
        assertThat(t.size()).isEqualTo(1);
        t.close(busy);
        t.sweep(10 * SECOND);
        assertThat(t.size()).isZero();
    }

    @Test
    void shouldKeyClientsByAddressWithoutPortAndIpv6ByItsSlash64() {
        assertThat(ClientTable.clientKey("203.0.113.9:53412")).isEqualTo("203.0.113.9");
        assertThat(ClientTable.clientKey("[2001:db8:1:2:3:4:5:6]:443"))
                .isEqualTo(ClientTable.clientKey("[2001:db8:1:2:ffff::1]:80")).isEqualTo("2001:db8:1:2::/64");
        assertThat(ClientTable.clientKey("[::1]:8080")).isEqualTo("::1");
        assertThat(ClientTable.isLoopback(ClientTable.clientKey("127.0.0.1:1"))).isTrue();
        assertThat(ClientTable.isLoopback(ClientTable.clientKey("[::1]:1"))).isTrue();
        assertThat(ClientTable.isLoopback(ClientTable.clientKey("10.0.0.1:1"))).isFalse();
    }

    @Test
    void shouldNotLimitLoopbackPeers() {
        ClientTable t = new ClientTable(1, 1, 0);
        ClientTable.Client local = t.open("127.0.0.1");
        assertThat(t.open("127.0.0.1")).isNotNull();
        for (int i = 0; i < 100; i++) {
            assertThat(t.admitRequest(local, 0)).isZero();
        }
    }
}
