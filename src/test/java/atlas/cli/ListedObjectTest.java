package atlas.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ListedObjectTest {
    @Test
    void shouldParseTheServersListingLine() throws IOException {
        ListedObject o = ListedObject.parse("demo/seg 1.ts\t1234\tvideo/mp2t\t\"1f-abc\"\t1700000000000");
        assertThat(o).isEqualTo(new ListedObject("demo/seg 1.ts", 1234, "video/mp2t", "\"1f-abc\"", 1700000000000L));
        assertThat(o.mtimeIso()).isEqualTo("2023-11-14T22:13:20Z");
        assertThatThrownBy(() -> ListedObject.parse("just-a-name")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> ListedObject.parse("a\tx\tt\te\t1")).isInstanceOf(IOException.class);
    }

    @Test
    void shouldAlignColumnsWithTheNameLast() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<ListedObject> objects = List.of(
                new ListedObject("demo/index.m3u8", 197, "application/vnd.apple.mpegurl", "\"1-a\"", 0),
                new ListedObject("demo/seg000.ts", 40232, "video/mp2t", "\"2-bb\"", 0));
        ListedObject.print(objects, false, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("""
                  197  1970-01-01T00:00:00Z  demo/index.m3u8
                40232  1970-01-01T00:00:00Z  demo/seg000.ts
                """);
        bytes.reset();
        ListedObject.print(objects, true, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("""
                  197  1970-01-01T00:00:00Z  application/vnd.apple.mpegurl  "1-a"   demo/index.m3u8
                40232  1970-01-01T00:00:00Z  video/mp2t                     "2-bb"  demo/seg000.ts
                """);
    }
}
