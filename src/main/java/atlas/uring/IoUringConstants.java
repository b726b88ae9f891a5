package atlas.uring;

/**
 * Every io_uring constant and struct offset the binding uses, in one place, each named exactly as in the kernel's
 * {@code include/uapi/linux/io_uring.h} (x86_64; little endian; values checked against kernel 6.18 and the 6.1
 * header shipped in {@code linux-libc-dev}). Socket-level constants come from {@code asm-generic/socket.h},
 * {@code linux/socket.h} and {@code linux/fs.h}.
 *
 * <h2>Submission queue entry, {@code struct io_uring_sqe} (64 bytes)</h2>
 * <pre>
 *   byte 0          1               2               3
 *  +---------------+---------------+-------------------------------+
 *  |    opcode     |  flags IOSQE_ |            ioprio             |  0   ioprio also carries
 *  +---------------+---------------+-------------------------------+        IORING_RECVSEND_* and
 *  |                          fd (s32)                             |  4     IORING_ACCEPT_* flags
 *  +---------------------------------------------------------------+
 *  |              off  /  addr2  /  cmd_op + pad1  (u64)           |  8   file offset; SEND_ZC dest addr;
 *  |                                                               |      TIMEOUT completion count
 *  +---------------------------------------------------------------+
 *  |                 addr  /  splice_off_in  (u64)                 | 16   buffer, iovecs, timespec,
 *  |                                                               |      user_data to cancel
 *  +---------------------------------------------------------------+
 *  |                           len (u32)                           | 24
 *  +---------------------------------------------------------------+
 *  |  rw_flags / fsync_flags / msg_flags / timeout_flags /         | 28   one u32, meaning set by opcode
 *  |  accept_flags / cancel_flags / ... (u32 union)                |
 *  +---------------------------------------------------------------+
 *  |                        user_data (u64)                        | 32   returned verbatim in the CQE
 *  |                                                               |
 *  +-------------------------------+-------------------------------+
 *  |  buf_index / buf_group (u16)  |       personality (u16)       | 40
 *  +-------------------------------+-------------------------------+
 *  |  splice_fd_in / file_index / addr_len + pad3   (u32 union)    | 44
 *  +---------------------------------------------------------------+
 *  |                          addr3 (u64)                          | 48
 *  +---------------------------------------------------------------+
 *  |                          pad2 (u64)                           | 56
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <h2>Completion queue entry, {@code struct io_uring_cqe} (16 bytes)</h2>
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                        user_data (u64)                        |  0
 *  |                                                               |
 *  +-------------------------------+-------------------------------+
 *  |        res (s32, -errno)      |  flags: IORING_CQE_F_* | bid  |  8   bid = flags >>> 16
 *  +-------------------------------+-------------------------------+      (IORING_CQE_BUFFER_SHIFT)
 * </pre>
 *
 * <h2>Ring mapping with {@code IORING_FEAT_SINGLE_MMAP}</h2>
 * <pre>
 *  mmap(IORING_OFF_SQ_RING = 0)            mmap(IORING_OFF_SQES = 0x10000000)
 *  +------+------+-----+------+-----+      +--------+--------+-----+
 *  | sq   | sq   | ... | cq   | cqes|      | sqe 0  | sqe 1  | ... |   sq_entries x 64 bytes
 *  | head | tail |     | head | [ ] |      +--------+--------+-----+
 *  +------+------+-----+------+-----+
 *  offsets of each field come from io_uring_params.sq_off / cq_off
 * </pre>
 */
public final class IoUringConstants {
    private IoUringConstants() {
    }

    // ---------------------------------------------------------------- syscalls (arch/x86/entry/syscalls/syscall_64.tbl)
    public static final int SYS_io_uring_setup = 425;
    public static final int SYS_io_uring_enter = 426;
    public static final int SYS_io_uring_register = 427;

    // ---------------------------------------------------------------- struct io_uring_sqe
    public static final int SQE_SIZE = 64;
    public static final int SQE_OPCODE = 0;          // u8
    public static final int SQE_FLAGS = 1;           // u8
    public static final int SQE_IOPRIO = 2;          // u16
    public static final int SQE_FD = 4;              // s32
    public static final int SQE_OFF = 8;             // u64 off / addr2
    public static final int SQE_ADDR2 = 8;
    public static final int SQE_ADDR = 16;           // u64
    public static final int SQE_LEN = 24;            // u32
    public static final int SQE_OP_FLAGS = 28;       // u32 rw_flags / fsync_flags / msg_flags / timeout_flags / ...
    public static final int SQE_USER_DATA = 32;      // u64
    public static final int SQE_BUF_INDEX = 40;      // u16 buf_index / buf_group
    public static final int SQE_PERSONALITY = 42;    // u16
    public static final int SQE_FILE_INDEX = 44;     // u32 file_index / splice_fd_in / addr_len
    public static final int SQE_ADDR_LEN = 44;       // u16
    public static final int SQE_ADDR3 = 48;          // u64

    // ---------------------------------------------------------------- struct io_uring_cqe
    public static final int CQE_SIZE = 16;
    public static final int CQE_USER_DATA = 0;       // u64
    public static final int CQE_RES = 8;             // s32
    public static final int CQE_FLAGS = 12;          // u32

    // ---------------------------------------------------------------- struct io_uring_params (120 bytes)
    public static final int PARAMS_SIZE = 120;
    public static final int PARAMS_SQ_ENTRIES = 0;
    public static final int PARAMS_CQ_ENTRIES = 4;
    public static final int PARAMS_FLAGS = 8;
    public static final int PARAMS_SQ_THREAD_CPU = 12;
    public static final int PARAMS_SQ_THREAD_IDLE = 16;
    public static final int PARAMS_FEATURES = 20;
    public static final int PARAMS_WQ_FD = 24;
    public static final int PARAMS_SQ_OFF = 40;      // struct io_sqring_offsets (40 bytes)
    public static final int PARAMS_CQ_OFF = 80;      // struct io_cqring_offsets (40 bytes)

    // struct io_sqring_offsets, relative to PARAMS_SQ_OFF
    public static final int SQ_OFF_HEAD = 0;
    public static final int SQ_OFF_TAIL = 4;
    public static final int SQ_OFF_RING_MASK = 8;
    public static final int SQ_OFF_RING_ENTRIES = 12;
    public static final int SQ_OFF_FLAGS = 16;
    public static final int SQ_OFF_DROPPED = 20;
    public static final int SQ_OFF_ARRAY = 24;
    public static final int SQ_OFF_USER_ADDR = 32;

    // struct io_cqring_offsets, relative to PARAMS_CQ_OFF
    public static final int CQ_OFF_HEAD = 0;
    public static final int CQ_OFF_TAIL = 4;
    public static final int CQ_OFF_RING_MASK = 8;
    public static final int CQ_OFF_RING_ENTRIES = 12;
    public static final int CQ_OFF_OVERFLOW = 16;
    public static final int CQ_OFF_CQES = 20;
    public static final int CQ_OFF_FLAGS = 24;
    public static final int CQ_OFF_USER_ADDR = 32;

    // ---------------------------------------------------------------- mmap offsets
    public static final long IORING_OFF_SQ_RING = 0L;
    public static final long IORING_OFF_CQ_RING = 0x8000000L;
    public static final long IORING_OFF_SQES = 0x10000000L;

    // ---------------------------------------------------------------- io_uring_setup flags
    public static final int IORING_SETUP_IOPOLL = 1 << 0;
    public static final int IORING_SETUP_SQPOLL = 1 << 1;
    public static final int IORING_SETUP_SQ_AFF = 1 << 2;
    public static final int IORING_SETUP_CQSIZE = 1 << 3;
    public static final int IORING_SETUP_CLAMP = 1 << 4;
    public static final int IORING_SETUP_ATTACH_WQ = 1 << 5;
    public static final int IORING_SETUP_R_DISABLED = 1 << 6;
    public static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
    public static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    public static final int IORING_SETUP_TASKRUN_FLAG = 1 << 9;
    public static final int IORING_SETUP_SQE128 = 1 << 10;
    public static final int IORING_SETUP_CQE32 = 1 << 11;
    public static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    public static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;
    public static final int IORING_SETUP_NO_MMAP = 1 << 14;
    public static final int IORING_SETUP_REGISTERED_FD_ONLY = 1 << 15;
    public static final int IORING_SETUP_NO_SQARRAY = 1 << 16;

    // ---------------------------------------------------------------- io_uring_params.features
    public static final int IORING_FEAT_SINGLE_MMAP = 1 << 0;
    public static final int IORING_FEAT_NODROP = 1 << 1;
    public static final int IORING_FEAT_SUBMIT_STABLE = 1 << 2;
    public static final int IORING_FEAT_RW_CUR_POS = 1 << 3;
    public static final int IORING_FEAT_CUR_PERSONALITY = 1 << 4;
    public static final int IORING_FEAT_FAST_POLL = 1 << 5;
    public static final int IORING_FEAT_POLL_32BITS = 1 << 6;
    public static final int IORING_FEAT_SQPOLL_NONFIXED = 1 << 7;
    public static final int IORING_FEAT_EXT_ARG = 1 << 8;
    public static final int IORING_FEAT_NATIVE_WORKERS = 1 << 9;
    public static final int IORING_FEAT_RSRC_TAGS = 1 << 10;
    public static final int IORING_FEAT_CQE_SKIP = 1 << 11;
    public static final int IORING_FEAT_LINKED_FILE = 1 << 12;
    public static final int IORING_FEAT_REG_REG_RING = 1 << 13;
    public static final int IORING_FEAT_RECVSEND_BUNDLE = 1 << 14;
    public static final int IORING_FEAT_MIN_TIMEOUT = 1 << 15;
    public static final int IORING_FEAT_RW_ATTR = 1 << 16;
    public static final int IORING_FEAT_NO_IOWAIT = 1 << 17;

    // ---------------------------------------------------------------- enum io_uring_op
    public static final int IORING_OP_NOP = 0;
    public static final int IORING_OP_READV = 1;
    public static final int IORING_OP_WRITEV = 2;
    public static final int IORING_OP_FSYNC = 3;
    public static final int IORING_OP_READ_FIXED = 4;
    public static final int IORING_OP_WRITE_FIXED = 5;
    public static final int IORING_OP_POLL_ADD = 6;
    public static final int IORING_OP_POLL_REMOVE = 7;
    /** poll(2) events for POLL_ADD (asm-generic/poll.h). */
    public static final int POLLOUT = 0x0004;
    public static final int IORING_OP_SYNC_FILE_RANGE = 8;
    public static final int IORING_OP_SENDMSG = 9;
    public static final int IORING_OP_RECVMSG = 10;
    public static final int IORING_OP_TIMEOUT = 11;
    public static final int IORING_OP_TIMEOUT_REMOVE = 12;
    public static final int IORING_OP_ACCEPT = 13;
    public static final int IORING_OP_ASYNC_CANCEL = 14;
    public static final int IORING_OP_LINK_TIMEOUT = 15;
    public static final int IORING_OP_CONNECT = 16;
    public static final int IORING_OP_FALLOCATE = 17;
    public static final int IORING_OP_OPENAT = 18;
    public static final int IORING_OP_CLOSE = 19;
    public static final int IORING_OP_FILES_UPDATE = 20;
    public static final int IORING_OP_STATX = 21;
    public static final int IORING_OP_READ = 22;
    public static final int IORING_OP_WRITE = 23;
    public static final int IORING_OP_FADVISE = 24;
    public static final int IORING_OP_MADVISE = 25;
    public static final int IORING_OP_SEND = 26;
    public static final int IORING_OP_RECV = 27;
    public static final int IORING_OP_OPENAT2 = 28;
    public static final int IORING_OP_EPOLL_CTL = 29;
    public static final int IORING_OP_SPLICE = 30;
    public static final int IORING_OP_PROVIDE_BUFFERS = 31;
    public static final int IORING_OP_REMOVE_BUFFERS = 32;
    public static final int IORING_OP_TEE = 33;
    public static final int IORING_OP_SHUTDOWN = 34;
    public static final int IORING_OP_RENAMEAT = 35;
    public static final int IORING_OP_UNLINKAT = 36;
    public static final int IORING_OP_MKDIRAT = 37;
    public static final int IORING_OP_SYMLINKAT = 38;
    public static final int IORING_OP_LINKAT = 39;
    public static final int IORING_OP_MSG_RING = 40;
    public static final int IORING_OP_FSETXATTR = 41;
    public static final int IORING_OP_SETXATTR = 42;
    public static final int IORING_OP_FGETXATTR = 43;
    public static final int IORING_OP_GETXATTR = 44;
    public static final int IORING_OP_SOCKET = 45;
    public static final int IORING_OP_URING_CMD = 46;
    public static final int IORING_OP_SEND_ZC = 47;
    public static final int IORING_OP_SENDMSG_ZC = 48;
    public static final int IORING_OP_READ_MULTISHOT = 49;
    public static final int IORING_OP_WAITID = 50;
    public static final int IORING_OP_FUTEX_WAIT = 51;
    public static final int IORING_OP_FUTEX_WAKE = 52;
    public static final int IORING_OP_FUTEX_WAITV = 53;
    public static final int IORING_OP_FIXED_FD_INSTALL = 54;
    public static final int IORING_OP_FTRUNCATE = 55;
    public static final int IORING_OP_BIND = 56;
    public static final int IORING_OP_LISTEN = 57;

    private static final String[] OP_NAMES = {
        "NOP", "READV", "WRITEV", "FSYNC", "READ_FIXED", "WRITE_FIXED", "POLL_ADD", "POLL_REMOVE",
        "SYNC_FILE_RANGE", "SENDMSG", "RECVMSG", "TIMEOUT", "TIMEOUT_REMOVE", "ACCEPT", "ASYNC_CANCEL",
        "LINK_TIMEOUT", "CONNECT", "FALLOCATE", "OPENAT", "CLOSE", "FILES_UPDATE", "STATX", "READ", "WRITE",
        "FADVISE", "MADVISE", "SEND", "RECV", "OPENAT2", "EPOLL_CTL", "SPLICE", "PROVIDE_BUFFERS",
        "REMOVE_BUFFERS", "TEE", "SHUTDOWN", "RENAMEAT", "UNLINKAT", "MKDIRAT", "SYMLINKAT", "LINKAT", "MSG_RING",
        "FSETXATTR", "SETXATTR", "FGETXATTR", "GETXATTR", "SOCKET", "URING_CMD", "SEND_ZC", "SENDMSG_ZC",
        "READ_MULTISHOT", "WAITID", "FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_WAITV", "FIXED_FD_INSTALL", "FTRUNCATE",
        "BIND", "LISTEN",
    };

    /** The kernel name without the {@code IORING_OP_} prefix, e.g. {@code "READ_FIXED"}; {@code "OP_n"} if unknown. */
    public static String opName(int op) {
        return op >= 0 && op < OP_NAMES.length ? OP_NAMES[op] : "OP_" + op;
    }

    // ---------------------------------------------------------------- sqe->flags (IOSQE_*_BIT)
    public static final int IOSQE_FIXED_FILE = 1 << 0;
    public static final int IOSQE_IO_DRAIN = 1 << 1;
    public static final int IOSQE_IO_LINK = 1 << 2;
    public static final int IOSQE_IO_HARDLINK = 1 << 3;
    public static final int IOSQE_ASYNC = 1 << 4;
    public static final int IOSQE_BUFFER_SELECT = 1 << 5;
    public static final int IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

    // ---------------------------------------------------------------- sqe->fsync_flags
    public static final int IORING_FSYNC_DATASYNC = 1 << 0;

    // ---------------------------------------------------------------- sqe->timeout_flags
    public static final int IORING_TIMEOUT_ABS = 1 << 0;
    public static final int IORING_TIMEOUT_UPDATE = 1 << 1;
    public static final int IORING_TIMEOUT_BOOTTIME = 1 << 2;
    public static final int IORING_TIMEOUT_REALTIME = 1 << 3;
    public static final int IORING_LINK_TIMEOUT_UPDATE = 1 << 4;
    public static final int IORING_TIMEOUT_ETIME_SUCCESS = 1 << 5;
    public static final int IORING_TIMEOUT_MULTISHOT = 1 << 6;

    // ---------------------------------------------------------------- sqe->cancel_flags
    public static final int IORING_ASYNC_CANCEL_ALL = 1 << 0;
    public static final int IORING_ASYNC_CANCEL_FD = 1 << 1;
    public static final int IORING_ASYNC_CANCEL_ANY = 1 << 2;
    public static final int IORING_ASYNC_CANCEL_FD_FIXED = 1 << 3;
    public static final int IORING_ASYNC_CANCEL_USERDATA = 1 << 4;
    public static final int IORING_ASYNC_CANCEL_OP = 1 << 5;

    // ---------------------------------------------------------------- send/recv flags, carried in sqe->ioprio
    public static final int IORING_RECVSEND_POLL_FIRST = 1 << 0;
    public static final int IORING_RECV_MULTISHOT = 1 << 1;
    public static final int IORING_RECVSEND_FIXED_BUF = 1 << 2;
    public static final int IORING_SEND_ZC_REPORT_USAGE = 1 << 3;
    public static final int IORING_RECVSEND_BUNDLE = 1 << 4;
    /** In the res of a SEND_ZC notification CQE when REPORT_USAGE was asked and the kernel copied the data. */
    public static final int IORING_NOTIF_USAGE_ZC_COPIED = 1 << 31;

    // ---------------------------------------------------------------- accept flags, carried in sqe->ioprio
    public static final int IORING_ACCEPT_MULTISHOT = 1 << 0;
    public static final int IORING_ACCEPT_DONTWAIT = 1 << 1;
    public static final int IORING_ACCEPT_POLL_FIRST = 1 << 2;

    // ---------------------------------------------------------------- cqe->flags
    public static final int IORING_CQE_F_BUFFER = 1 << 0;
    public static final int IORING_CQE_F_MORE = 1 << 1;
    public static final int IORING_CQE_F_SOCK_NONEMPTY = 1 << 2;
    public static final int IORING_CQE_F_NOTIF = 1 << 3;
    public static final int IORING_CQE_F_BUF_MORE = 1 << 4;
    public static final int IORING_CQE_BUFFER_SHIFT = 16;

    // ---------------------------------------------------------------- sq_ring->flags, cq_ring->flags
    public static final int IORING_SQ_NEED_WAKEUP = 1 << 0;
    public static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;
    public static final int IORING_SQ_TASKRUN = 1 << 2;
    public static final int IORING_CQ_EVENTFD_DISABLED = 1 << 0;

    // ---------------------------------------------------------------- io_uring_enter flags
    public static final int IORING_ENTER_GETEVENTS = 1 << 0;
    public static final int IORING_ENTER_SQ_WAKEUP = 1 << 1;
    public static final int IORING_ENTER_SQ_WAIT = 1 << 2;
    public static final int IORING_ENTER_EXT_ARG = 1 << 3;
    public static final int IORING_ENTER_REGISTERED_RING = 1 << 4;

    // struct io_uring_getevents_arg (24 bytes), the EXT_ARG argument
    public static final int GETEVENTS_ARG_SIZE = 24;
    public static final int GETEVENTS_ARG_SIGMASK = 0;       // u64
    public static final int GETEVENTS_ARG_SIGMASK_SZ = 8;    // u32
    public static final int GETEVENTS_ARG_MIN_WAIT_USEC = 12; // u32 (pad before 6.12)
    public static final int GETEVENTS_ARG_TS = 16;           // u64 pointer to struct __kernel_timespec

    // struct __kernel_timespec (16 bytes)
    public static final int TIMESPEC_SIZE = 16;
    public static final int TIMESPEC_TV_SEC = 0;
    public static final int TIMESPEC_TV_NSEC = 8;

    // ---------------------------------------------------------------- io_uring_register opcodes
    public static final int IORING_REGISTER_BUFFERS = 0;
    public static final int IORING_UNREGISTER_BUFFERS = 1;
    public static final int IORING_REGISTER_FILES = 2;
    public static final int IORING_UNREGISTER_FILES = 3;
    public static final int IORING_REGISTER_EVENTFD = 4;
    public static final int IORING_UNREGISTER_EVENTFD = 5;
    public static final int IORING_REGISTER_FILES_UPDATE = 6;
    public static final int IORING_REGISTER_EVENTFD_ASYNC = 7;
    public static final int IORING_REGISTER_PROBE = 8;
    public static final int IORING_REGISTER_PERSONALITY = 9;
    public static final int IORING_UNREGISTER_PERSONALITY = 10;
    public static final int IORING_REGISTER_RESTRICTIONS = 11;
    public static final int IORING_REGISTER_ENABLE_RINGS = 12;
    public static final int IORING_REGISTER_FILES2 = 13;
    public static final int IORING_REGISTER_FILES_UPDATE2 = 14;
    public static final int IORING_REGISTER_BUFFERS2 = 15;
    public static final int IORING_REGISTER_BUFFERS_UPDATE = 16;
    public static final int IORING_REGISTER_IOWQ_AFF = 17;
    public static final int IORING_UNREGISTER_IOWQ_AFF = 18;
    public static final int IORING_REGISTER_IOWQ_MAX_WORKERS = 19;
    public static final int IORING_REGISTER_RING_FDS = 20;
    public static final int IORING_UNREGISTER_RING_FDS = 21;
    public static final int IORING_REGISTER_PBUF_RING = 22;
    public static final int IORING_UNREGISTER_PBUF_RING = 23;
    public static final int IORING_REGISTER_SYNC_CANCEL = 24;
    public static final int IORING_REGISTER_FILE_ALLOC_RANGE = 25;

    /** The io_uring_register opcode's name without prefix, for error messages. */
    static String registerOpName(int op) {
        return switch (op) {
            case IORING_REGISTER_BUFFERS -> "BUFFERS";
            case IORING_UNREGISTER_BUFFERS -> "UNREGISTER_BUFFERS";
            case IORING_REGISTER_PROBE -> "PROBE";
            case IORING_REGISTER_BUFFERS2 -> "BUFFERS2";
            case IORING_REGISTER_BUFFERS_UPDATE -> "BUFFERS_UPDATE";
            default -> "opcode " + op;
        };
    }

    // struct io_uring_rsrc_register (32 bytes), for IORING_REGISTER_BUFFERS2
    public static final int RSRC_REGISTER_SIZE = 32;
    public static final int RSRC_REGISTER_NR = 0;            // u32
    public static final int RSRC_REGISTER_FLAGS = 4;         // u32
    public static final int RSRC_REGISTER_DATA = 16;         // u64
    public static final int RSRC_REGISTER_TAGS = 24;         // u64
    public static final int IORING_RSRC_REGISTER_SPARSE = 1 << 0;
    /** Most fixed buffers one ring may register (io_uring/rsrc.h IORING_MAX_REG_BUFFERS). */
    public static final int IORING_MAX_REG_BUFFERS = 1 << 14;

    // struct io_uring_rsrc_update2 (32 bytes), for IORING_REGISTER_BUFFERS_UPDATE
    public static final int RSRC_UPDATE2_SIZE = 32;
    public static final int RSRC_UPDATE2_OFFSET = 0;         // u32: first table index
    public static final int RSRC_UPDATE2_DATA = 8;           // u64: pointer to struct iovec[] (buffers)
    public static final int RSRC_UPDATE2_TAGS = 16;          // u64: pointer to u64[] tags, 0 for none
    public static final int RSRC_UPDATE2_NR = 24;            // u32: entries

    // struct iovec (16 bytes), for IORING_REGISTER_BUFFERS
    public static final int IOVEC_SIZE = 16;
    public static final int IOVEC_BASE = 0;
    public static final int IOVEC_LEN = 8;

    // struct user_msghdr (56 bytes on 64-bit; include/linux/socket.h), for IORING_OP_SENDMSG
    public static final int MSGHDR_SIZE = 56;
    public static final int MSGHDR_NAME = 0;                 // void __user *msg_name
    public static final int MSGHDR_NAMELEN = 8;              // int msg_namelen
    public static final int MSGHDR_IOV = 16;                 // struct iovec __user *msg_iov
    public static final int MSGHDR_IOVLEN = 24;              // __kernel_size_t msg_iovlen
    public static final int MSGHDR_CONTROL = 32;             // void __user *msg_control
    public static final int MSGHDR_CONTROLLEN = 40;          // __kernel_size_t msg_controllen
    public static final int MSGHDR_FLAGS = 48;               // unsigned int msg_flags

    // struct io_uring_probe (16-byte header) + struct io_uring_probe_op[] (8 bytes each)
    public static final int PROBE_SIZE = 16;
    public static final int PROBE_LAST_OP = 0;               // u8
    public static final int PROBE_OPS_LEN = 1;               // u8
    public static final int PROBE_OPS = 16;
    public static final int PROBE_OP_SIZE = 8;
    public static final int PROBE_OP_OP = 0;                 // u8
    public static final int PROBE_OP_FLAGS = 2;              // u16
    public static final int IO_URING_OP_SUPPORTED = 1 << 0;
    /** ops[] entries we ask for: the u8 opcode space. */
    public static final int PROBE_MAX_OPS = 256;

    // ---------------------------------------------------------------- preadv2/pwritev2 rw_flags (linux/fs.h)
    public static final int RWF_HIPRI = 0x01;
    public static final int RWF_DSYNC = 0x02;
    public static final int RWF_SYNC = 0x04;
    public static final int RWF_NOWAIT = 0x08;
    public static final int RWF_APPEND = 0x10;

    // ---------------------------------------------------------------- send/recv msg_flags (linux/socket.h)
    public static final int MSG_OOB = 0x1;
    public static final int MSG_PEEK = 0x2;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_WAITALL = 0x100;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int MSG_MORE = 0x8000;
    public static final int MSG_ZEROCOPY = 0x4000000;
}
