package atlas.uring;

import atlas.posix.Downcalls;
import atlas.posix.Errno;
import atlas.posix.Libc;
import atlas.posix.PosixException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * TCP/IPv4 sockets as raw file descriptors, through the FFM API — the io_uring engine needs the fds, which the
 * JDK's channels do not expose. Control path only (a listener per core, connections for tests and tools); data
 * moves through the ring. Failures throw {@link PosixException}, through {@link Downcalls}.
 * <pre>
 *  struct sockaddr_in (16 bytes)
 *  +---------------+---------------+-------------------------------+
 *  | sin_family u16 (host order)   | sin_port u16 (network order)  |  0
 *  +-------------------------------+-------------------------------+
 *  |                 sin_addr u32 (network order)                  |  4
 *  +---------------------------------------------------------------+
 *  |                     sin_zero[8]                               |  8
 *  +---------------------------------------------------------------+
 * </pre>
 * Constants are x86_64 Linux ({@code linux/socket.h}, {@code asm-generic/socket.h}, {@code linux/tcp.h}).
 */
public final class Sockets {
    public static final int AF_INET = 2;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_NONBLOCK = 04000;
    public static final int SOCK_CLOEXEC = 02000000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_LINGER = 13;
    public static final int SO_REUSEPORT = 15;
    public static final int SO_ZEROCOPY = 60;
    public static final int IPPROTO_TCP = 6;
    public static final int TCP_NODELAY = 1;
    public static final int TCP_CORK = 3;
    public static final int TCP_NOTSENT_LOWAT = 25;
    public static final int TCP_INFO = 11;
    /** struct tcp_info (include/uapi/linux/tcp.h): the fields we read, and how much of it we ask for. */
    public static final int TCP_INFO_SND_MSS = 16;           // __u32 tcpi_snd_mss
    public static final int TCP_INFO_SND_CWND = 80;          // __u32 tcpi_snd_cwnd (segments)
    public static final int TCP_INFO_BYTES = 104;            // up to and including tcpi_total_retrans
    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;

    private static final int SOCKADDR_IN_SIZE = 16;
    private static final int SIN_FAMILY = 0;
    private static final int SIN_PORT = 2;
    private static final int SIN_ADDR = 4;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

    private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(INT, INT, INT, INT));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt",
            FunctionDescriptor.of(INT, INT, INT, INT, LONG, INT));
    private static final MethodHandle GETSOCKOPT = bind("getsockopt",
            FunctionDescriptor.of(INT, INT, INT, INT, LONG, LONG));
    private static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(INT, INT, LONG, INT));
    private static final MethodHandle LISTEN = bind("listen", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle CONNECT = bind("connect", FunctionDescriptor.of(INT, INT, LONG, INT));
    private static final MethodHandle GETSOCKNAME = bind("getsockname", FunctionDescriptor.of(INT, INT, LONG, LONG));
    private static final MethodHandle GETPEERNAME = bind("getpeername", FunctionDescriptor.of(INT, INT, LONG, LONG));
    private static final MethodHandle SHUTDOWN = bind("shutdown", FunctionDescriptor.of(INT, INT, INT));

    private Sockets() {
    }

    /** Every socket call here reports failures through errno. */
    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return Downcalls.bind(name, descriptor, Downcalls.CAPTURE_ERRNO);
    }

    /** socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC [| SOCK_NONBLOCK], 0). */
    public static int tcpSocket(boolean nonBlocking) throws PosixException {
        int type = SOCK_STREAM | SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0);
        MemorySegment capture = Downcalls.threadCaptureArea();
        int res;
        try {
            res = Downcalls.result((int) SOCKET.invokeExact(capture, AF_INET, type, 0), capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        return (int) Downcalls.check(res, "socket", "AF_INET/SOCK_STREAM");
    }

    /**
     * A non-blocking listening socket on {@code host:port} (port 0: an ephemeral one, see {@link #localPort}),
     * with SO_REUSEADDR and, when {@code reusePort}, SO_REUSEPORT so that each core can have its own listener.
     */
    public static int listenTcp(String host, int port, int backlog, boolean reusePort) throws PosixException {
        int fd = bindTcp(host, port, reusePort);
        try {
            listen(fd, backlog);
            return fd;
        } catch (PosixException | RuntimeException | Error e) {
            closeAfterFailure(fd, e);
            throw e;
        }
    }

    /**
     * As {@link #listenTcp} without the listen(2): the address is taken (a conflicting bind fails here with
     * EADDRINUSE, port 0 is resolved) but connections are still refused until {@link #listen}.
     */
    public static int bindTcp(String host, int port, boolean reusePort) throws PosixException {
        int fd = tcpSocket(true);
        try {
            setIntOption(fd, SOL_SOCKET, SO_REUSEADDR, 1);
            if (reusePort) {
                setIntOption(fd, SOL_SOCKET, SO_REUSEPORT, 1);
            }
            MemorySegment capture = Downcalls.threadCaptureArea();
            int bound;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment addr = sockaddrIn(arena, host, port);
                bound = Downcalls.result((int) BIND.invokeExact(capture, fd, addr.address(), SOCKADDR_IN_SIZE),
                        capture);
            } catch (Throwable t) {
                throw Downcalls.invocationFailure(t);
            }
            Downcalls.check(bound, "bind", host + ':' + port);
            return fd;
        } catch (PosixException | RuntimeException | Error e) {
            closeAfterFailure(fd, e);
            throw e;
        }
    }

    /** listen(2) on a bound socket: from here on the kernel completes handshakes and queues them for accept. */
    public static void listen(int fd, int backlog) throws PosixException {
        MemorySegment capture = Downcalls.threadCaptureArea();
        int res;
        try {
            res = Downcalls.result((int) LISTEN.invokeExact(capture, fd, backlog), capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        Downcalls.check(res, "listen", fd);
    }

    /** A blocking client socket connected to {@code host:port} (EINTR retried). */
    public static int connectTcp(String host, int port) throws PosixException {
        int fd = tcpSocket(false);
        try {
            MemorySegment capture = Downcalls.threadCaptureArea();
            int res;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment addr = sockaddrIn(arena, host, port);
                do {
                    res = Downcalls.result((int) CONNECT.invokeExact(capture, fd, addr.address(), SOCKADDR_IN_SIZE),
                            capture);
                } while (res == -Errno.EINTR || res == -Errno.EALREADY);
            } catch (Throwable t) {
                throw Downcalls.invocationFailure(t);
            }
            if (res != -Errno.EISCONN) { // EISCONN: an EINTR-interrupted connect that completed meanwhile
                Downcalls.check(res, "connect", host + ':' + port);
            }
            return fd;
        } catch (PosixException | RuntimeException | Error e) {
            closeAfterFailure(fd, e);
            throw e;
        }
    }

    /**
     * The peer of a connected IPv4 socket as "a.b.c.d:port" — for logs, and to tell local peers (where zero-copy
     * send gains nothing) from remote ones. Control path: called once per accepted connection.
     */
    public static String peerAddress(int fd) throws PosixException {
        long a = socketAddress(GETPEERNAME, "getpeername", fd);
        long ip = a >>> 16;
        return (ip >>> 24) + "." + ((ip >>> 16) & 0xff) + "." + ((ip >>> 8) & 0xff) + "." + (ip & 0xff) + ":"
                + (a & 0xffff);
    }

    /** The local port a socket is bound to (getsockname). */
    public static int localPort(int fd) throws PosixException {
        return (int) (socketAddress(GETSOCKNAME, "getsockname", fd) & 0xffff);
    }

    /** getsockname/getpeername of an IPv4 socket, packed as {@code ipv4 << 16 | port} (both host order). */
    private static long socketAddress(MethodHandle call, String operation, int fd) throws PosixException {
        MemorySegment capture = Downcalls.threadCaptureArea();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(SOCKADDR_IN_SIZE, 4);
            MemorySegment len = arena.allocateFrom(INT, SOCKADDR_IN_SIZE);
            int res;
            try {
                res = Downcalls.result((int) call.invokeExact(capture, fd, addr.address(), len.address()), capture);
            } catch (Throwable t) {
                throw Downcalls.invocationFailure(t);
            }
            Downcalls.check(res, operation, fd);
            long port = Short.toUnsignedInt(Short.reverseBytes(addr.get(ValueLayout.JAVA_SHORT, SIN_PORT)));
            long ip = Integer.toUnsignedLong(Integer.reverseBytes(addr.get(ValueLayout.JAVA_INT_UNALIGNED, SIN_ADDR)));
            return ip << 16 | port;
        }
    }

    /** setsockopt with an int value (SO_REUSEPORT, TCP_NODELAY, TCP_NOTSENT_LOWAT, SO_ZEROCOPY, ...). */
    public static void setIntOption(int fd, int level, int option, int value) throws PosixException {
        MemorySegment capture = Downcalls.threadCaptureArea();
        int res;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocateFrom(INT, value);
            res = Downcalls.result(
                    (int) SETSOCKOPT.invokeExact(capture, fd, level, option, v.address(), Integer.BYTES), capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        if (res < 0) {
            Downcalls.check(res, "setsockopt", "fd " + fd + ", option " + level + '/' + option);
        }
    }

    /**
     * Reads {@code struct tcp_info} into {@code info} (at least {@link #TCP_INFO_BYTES}; {@code lengthInOut} is an
     * int the call overwrites, {@code capture} the errno area of {@link Downcalls}) and returns the congestion window
     * in bytes, {@code tcpi_snd_cwnd × tcpi_snd_mss}: what the connection may have in flight now. -1 when the call
     * fails. Allocates nothing: the caller owns the scratch segments (one set per event loop).
     */
    public static long congestionWindowBytes(int fd, MemorySegment info, MemorySegment lengthInOut,
                                             MemorySegment capture) {
        lengthInOut.set(INT, 0, TCP_INFO_BYTES);
        int res;
        try {
            res = Downcalls.result((int) GETSOCKOPT.invokeExact(capture, fd, IPPROTO_TCP, TCP_INFO, info.address(),
                    lengthInOut.address()), capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        if (res != 0 || lengthInOut.get(INT, 0) < TCP_INFO_SND_CWND + Integer.BYTES) {
            return -1; // an expected outcome (not a TCP socket, closed meanwhile): the caller picks a default
        }
        return (info.get(INT, TCP_INFO_SND_CWND) & 0xFFFFFFFFL) * (info.get(INT, TCP_INFO_SND_MSS) & 0xFFFFFFFFL);
    }

    /** SO_LINGER; {@code (true, 0)} makes close() send a RST instead of a FIN (the peer sees ECONNRESET). */
    public static void setLinger(int fd, boolean on, int seconds) throws PosixException {
        MemorySegment capture = Downcalls.threadCaptureArea();
        int res;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment linger = arena.allocate(8, 4); // struct linger { int l_onoff; int l_linger; }
            linger.set(INT, 0, on ? 1 : 0);
            linger.set(INT, 4, seconds);
            res = Downcalls.result(
                    (int) SETSOCKOPT.invokeExact(capture, fd, SOL_SOCKET, SO_LINGER, linger.address(), 8), capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        if (res < 0) {
            Downcalls.check(res, "setsockopt", "fd " + fd + ", SO_LINGER");
        }
    }

    /** shutdown(2) with SHUT_RD, SHUT_WR or SHUT_RDWR. */
    public static void shutdown(int fd, int how) throws PosixException {
        MemorySegment capture = Downcalls.threadCaptureArea();
        int res;
        try {
            res = Downcalls.result((int) SHUTDOWN.invokeExact(capture, fd, how), capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        Downcalls.check(res, "shutdown", fd);
    }

    public static void close(int fd) throws PosixException {
        Libc.close(fd);
    }

    private static MemorySegment sockaddrIn(Arena arena, String host, int port) {
        byte[] ip;
        try {
            InetAddress address = InetAddress.getByName(host);
            if (!(address instanceof Inet4Address)) {
                throw new IllegalArgumentException(host + " is not an IPv4 address");
            }
            ip = address.getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + host, e);
        }
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("port " + port + " outside 0..65535");
        }
        MemorySegment addr = arena.allocate(SOCKADDR_IN_SIZE, 4);
        addr.set(ValueLayout.JAVA_SHORT, SIN_FAMILY, (short) AF_INET);
        addr.set(ValueLayout.JAVA_SHORT, SIN_PORT, Short.reverseBytes((short) port)); // htons on little endian
        MemorySegment.copy(ip, 0, addr, ValueLayout.JAVA_BYTE, SIN_ADDR, 4); // already network order
        return addr;
    }

    private static void closeAfterFailure(int fd, Throwable cause) {
        try {
            Libc.close(fd);
        } catch (PosixException e) {
            cause.addSuppressed(e);
        }
    }
}
