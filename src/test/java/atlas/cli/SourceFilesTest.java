package atlas.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SourceFilesTest {
    @TempDir
    Path tmp;

    private Path file(String relative, int size) throws IOException {
        Path p = tmp.resolve(relative);
        Files.createDirectories(p.getParent());
        return Files.write(p, new byte[size]);
    }

    @Test
    void shouldNameDirectoryFilesByTheirRelativePathSorted() throws IOException {
        file("tree/vod/b/seg1.ts", 10);
        file("tree/vod/a/index.m3u8", 3);
        file("tree/top.txt", 1);
        SourceFiles s = SourceFiles.collect(List.of(tmp.resolve("tree")), null, null);
        assertThat(s.files()).extracting(SourceFiles.Source::name)
                .containsExactly("top.txt", "vod/a/index.m3u8", "vod/b/seg1.ts");
        assertThat(s.totalBytes()).isEqualTo(14);
    }

    @Test
    void shouldPrefixNamesAndNameSingleFilesByFileName() throws IOException {
        Path a = file("x/a.ts", 5);
        file("tree/b.ts", 6);
        SourceFiles s = SourceFiles.collect(List.of(a, tmp.resolve("tree")), "vod/t", null);
        assertThat(s.files()).extracting(SourceFiles.Source::name).containsExactly("vod/t/a.ts", "vod/t/b.ts");
        SourceFiles named = SourceFiles.collect(List.of(a), "", "live/seg9.ts");
        assertThat(named.files()).extracting(SourceFiles.Source::name).containsExactly("live/seg9.ts");
    }

    @Test
    void shouldFailOnAMissingArgument() {
        assertThatThrownBy(() -> SourceFiles.collect(List.of(tmp.resolve("nope")), null, null))
                .isInstanceOf(NoSuchFileException.class);
    }
}
