package atlas.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** DAX detection: mountinfo parsing from fixture text, and the MAP_SYNC probe's fallback on this (non-DAX) machine. */
class DaxSupportTest {
    /** Real-looking lines: root on ext4, a pmem mount per dax flavour, tmpfs, and a mount point with a space. */
    private static final String MOUNTINFO = """
            22 27 0:21 / /proc rw,relatime - proc proc rw
            27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,errors=remount-ro
            30 27 259:0 / /mnt/pmem rw,relatime shared:5 - xfs /dev/pmem0 rw,attr2,dax=always,inode64
            31 27 259:1 / /mnt/pmem-old rw,relatime - ext4 /dev/pmem1 rw,dax
            32 27 259:2 / /mnt/pmem-never rw,relatime - ext4 /dev/pmem2 rw,dax=never
            33 27 259:3 / /mnt/pmem-inode rw,relatime master:1 shared:7 - xfs /dev/pmem3 rw,dax=inode
            34 27 0:40 / /mnt/pmem/scratch rw,nosuid - tmpfs tmpfs rw,size=49152k
            35 27 259:4 / /mnt/my\\040disk rw,relatime - ext4 /dev/pmem4 rw,dax=always
            36 27 259:5 / /mnt/flip rw,relatime - ext4 /dev/pmem5 rw,dax,dax=never
            """;

    @Test
    void shouldFindDaxAlways() {
        DaxSupport.Mount m = DaxSupport.mountOf(MOUNTINFO, "/mnt/pmem/atlas/data");
        assertThat(m).isEqualTo(new DaxSupport.Mount("/mnt/pmem", "xfs", "/dev/pmem0", DaxSupport.MountDax.ALWAYS));
    }

    @Test
    void shouldTreatBareDaxAsAlways() {
        assertThat(DaxSupport.mountOf(MOUNTINFO, "/mnt/pmem-old/v").dax()).isEqualTo(DaxSupport.MountDax.ALWAYS);
    }

    @Test
    void shouldTreatDaxNeverAsNone() {
        assertThat(DaxSupport.mountOf(MOUNTINFO, "/mnt/pmem-never").dax()).isEqualTo(DaxSupport.MountDax.NONE);
        assertThat(DaxSupport.mountOf(MOUNTINFO, "/mnt/flip/x").dax()).as("the last dax option wins")
                .isEqualTo(DaxSupport.MountDax.NONE);
    }

    @Test
    void shouldReportDaxInodeAsPerInode() {
        assertThat(DaxSupport.mountOf(MOUNTINFO, "/mnt/pmem-inode/a").dax())
                .isEqualTo(DaxSupport.MountDax.PER_INODE);
    }

    @Test
    void shouldFindNoDaxOnPlainExt4() {
        DaxSupport.Mount m = DaxSupport.mountOf(MOUNTINFO, "/work/main/target/data");
        assertThat(m).isEqualTo(new DaxSupport.Mount("/", "ext4", "/dev/vda", DaxSupport.MountDax.NONE));
    }

    @Test
    void shouldPickTheLongestMountPointNotAPrefixOfAName() {
        assertThat(DaxSupport.mountOf(MOUNTINFO, "/mnt/pmem/scratch/x").fsType()).isEqualTo("tmpfs");
        // "/mnt/pmem-old" starts with "/mnt/pmem" as text but is not under it.
        assertThat(DaxSupport.mountOf(MOUNTINFO, "/mnt/pmem-old").source()).isEqualTo("/dev/pmem1");
        assertThat(DaxSupport.mountOf(MOUNTINFO, "/mnt/pmemx").mountPoint()).isEqualTo("/");
    }

    @Test
    void shouldDecodeEscapedMountPoints() {
        DaxSupport.Mount m = DaxSupport.mountOf(MOUNTINFO, "/mnt/my disk/atlas");
        assertThat(m.mountPoint()).isEqualTo("/mnt/my disk");
        assertThat(m.dax()).isEqualTo(DaxSupport.MountDax.ALWAYS);
    }

    @Test
    void shouldSkipMalformedLines() {
        assertThat(DaxSupport.parseLine("garbage")).isNull();
        assertThat(DaxSupport.parseLine("1 2 3:4 / /x rw no-separator ext4 /dev/x rw")).isNull();
        assertThat(DaxSupport.mountOf("garbage\n", "/x")).isNull();
    }

    @Test
    void shouldSummariseForTheStartUpReport() {
        DaxSupport no = new DaxSupport(new DaxSupport.Mount("/", "ext4", "/dev/vda", DaxSupport.MountDax.NONE),
                false, "Operation not supported");
        assertThat(no.summary()).isEqualTo("no (ext4 on /dev/vda, MAP_SYNC refused) — journal uses O_DSYNC writes");
        DaxSupport yes = new DaxSupport(new DaxSupport.Mount("/mnt/pmem", "xfs", "/dev/pmem0",
                DaxSupport.MountDax.ALWAYS), true, null);
        assertThat(yes.summary()).startsWith("yes (xfs on /dev/pmem0, mounted dax, MAP_SYNC works)");
        assertThat(new DaxSupport(null, false, "x").summary()).startsWith("no (mount unknown, MAP_SYNC refused)");
    }

    /** This machine has no persistent memory (DESIGN.md §4): the probe must fail cleanly and leave no file. */
    @Test
    void shouldFallBackWhenMapSyncIsRefused(@TempDir Path dir) throws Exception {
        DaxSupport dax = DaxSupport.detect(dir);
        assertThat(dax.mapSync()).isFalse();
        assertThat(dax.probeProblem()).isNotBlank();
        assertThat(dax.mount()).isNotNull();
        assertThat(dax.mount().dax()).isEqualTo(DaxSupport.MountDax.NONE);
        assertThat(dax.summary()).startsWith("no (").contains("MAP_SYNC refused").endsWith("journal uses O_DSYNC writes");
        assertThat(Files.exists(dir.resolve(DaxSupport.PROBE_FILE_NAME))).isFalse();
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }
}
