package atlas.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A fleet's network on this machine: a Linux bridge in the test's own namespace (address {@code .1}) and one network
 * namespace per node, each joined to the bridge by a veth pair and given its own address — so each node listens on
 * its real port of a real address, HAProxy reaches the nodes over a network and not over loopback, and the test
 * itself is the client namespace. Needs root and {@code ip} (iproute2).
 *
 * <p>Names carry this JVM's pid, so the two engines' runs (and a leftover of a killed run) never collide; the subnet
 * is chosen from the pid too. {@link #close()} deletes every namespace (which takes its veth with it) and the bridge.
 */
final class FleetNetwork implements AutoCloseable {
    private final String tag;
    private final String subnet;
    private final String bridge;
    private final Map<String, String> addressOf = new LinkedHashMap<>();

    private FleetNetwork(String tag, String subnet) {
        this.tag = tag;
        this.subnet = subnet;
        this.bridge = "atb" + tag;
    }

    /** True when namespaces can be made here (root, iproute2). */
    static boolean available() {
        try {
            if (!"root".equals(System.getProperty("user.name"))) {
                return false;
            }
            run(List.of("ip", "netns", "list"));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The bridge and its address; nodes come with {@link #node}. */
    static FleetNetwork create() throws IOException {
        long pid = ProcessHandle.current().pid();
        String tag = Long.toString(pid % 100_000);
        // 10.{100..199}.{0..249}: two runs at once differ unless their pids agree modulo 25 000.
        String subnet = "10." + (100 + pid % 100) + "." + (pid / 100 % 250);
        FleetNetwork net = new FleetNetwork(tag, subnet);
        try {
            net.ip("link", "add", net.bridge, "type", "bridge");
            net.ip("addr", "add", subnet + ".1/24", "dev", net.bridge);
            net.ip("link", "set", net.bridge, "up");
        } catch (IOException e) {
            net.close();
            throw e;
        }
        return net;
    }

    /** A namespace for {@code name} (short, e.g. "edge1") at {@code subnet.host}; returns its address. */
    String node(String name, int host) throws IOException {
        String ns = namespace(name);
        String veth = "atv" + tag + (char) ('a' + addressOf.size());
        String address = subnet + "." + host;
        ip("netns", "add", ns);
        addressOf.put(name, address);
        ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
        ip("link", "set", veth, "master", bridge, "up");
        ip("-n", ns, "addr", "add", address + "/24", "dev", "eth0");
        ip("-n", ns, "link", "set", "eth0", "up");
        ip("-n", ns, "link", "set", "lo", "up");
        return address;
    }

    /** {@code ip netns exec NS}: the prefix that runs a command inside {@code name}'s namespace (same pid). */
    List<String> inside(String name) {
        if (!addressOf.containsKey(name)) {
            throw new IllegalArgumentException("no node " + name);
        }
        return List.of("ip", "netns", "exec", namespace(name));
    }

    String address(String name) {
        return addressOf.get(name);
    }

    private String namespace(String name) {
        return "atlas-" + tag + "-" + name;
    }

    private void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("ip");
        cmd.addAll(List.of(args));
        run(cmd);
    }

    /** Runs {@code cmd} to its end (10 s at most); its output, or an exception with it when it failed. */
    private static String run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": no exit within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out.strip());
        }
        return out;
    }

    @Override
    public void close() {
        for (String name : addressOf.keySet()) {
            try {
                ip("netns", "del", namespace(name));
            } catch (IOException e) {
                System.err.println("fleet network: " + e.getMessage());
            }
        }
        addressOf.clear();
        try {
            ip("link", "del", bridge);
        } catch (IOException e) {
            System.err.println("fleet network: " + e.getMessage());
        }
    }
}
