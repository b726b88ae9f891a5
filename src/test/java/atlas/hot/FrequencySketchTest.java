package atlas.hot;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrequencySketchTest {
    @Test
    void countsAccessesAndSaturatesAtFifteen() {
        FrequencySketch sketch = new FrequencySketch(4096);
        long key = FrequencySketch.key("live/ch1/index.m3u8".hashCode(), 0);
        assertEquals(0, sketch.estimate(key));
        assertEquals(1, sketch.increment(key));
        assertEquals(2, sketch.increment(key));
        for (int i = 0; i < 40; i++) {
            sketch.increment(key);
        }
        assertEquals(15, sketch.estimate(key));
    }

    @Test
    void chunksOfOneNameAreDifferentKeys() {
        FrequencySketch sketch = new FrequencySketch(4096);
        int name = "v/seg1.m4s".hashCode();
        sketch.increment(FrequencySketch.key(name, 0));
        assertEquals(0, sketch.estimate(FrequencySketch.key(name, 1)));
    }

    @Test
    void agingHalvesSoOldPopularityFades() {
        FrequencySketch sketch = new FrequencySketch(FrequencySketch.MIN_WIDTH);
        int sample = 10 * FrequencySketch.MIN_WIDTH;
        long old = FrequencySketch.key(1, 0);
        for (int i = 0; i < 12; i++) {
            sketch.increment(old);
        }
        for (int i = 0; i < sample * 3; i++) { // a new working set, three samples long
            sketch.increment(FrequencySketch.key(1000 + i % 100, 0));
        }
        assertTrue(sketch.estimate(old) <= 2, "after three halvings 12 is 1 (plus a rare collision): "
                + sketch.estimate(old));
        assertTrue(sketch.estimate(FrequencySketch.key(1000, 0)) >= 7, "the new set is what counts now");
    }
}
