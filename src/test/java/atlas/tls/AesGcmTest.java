package atlas.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class AesGcmTest {
    private static final int[] EDGE_LENGTHS = {0, 1, 15, 16, 17, 255, 4096, 16383, 16384};

    @Test
    void shouldMatchJdkCipherOnRandomInputs() throws Exception {
        Random random = new Random(42);
        try (AesGcm gcm = new AesGcm(); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16384 + 16 + 64);
            MemorySegment nonce = arena.allocate(12);
            MemorySegment aad = arena.allocate(32);
            for (int round = 0; round < 300; round++) {
                byte[] key = new byte[random.nextBoolean() ? 16 : 32];
                random.nextBytes(key);
                byte[] iv = new byte[12];
                random.nextBytes(iv);
                byte[] aadBytes = new byte[random.nextInt(33)];
                random.nextBytes(aadBytes);
                int length = round < EDGE_LENGTHS.length ? EDGE_LENGTHS[round] : random.nextInt(16385);
                byte[] plain = new byte[length];
                random.nextBytes(plain);
                int offset = random.nextInt(64);

                MemorySegment.copy(iv, 0, nonce, ValueLayout.JAVA_BYTE, 0, 12);
                MemorySegment aadSeg = aad.asSlice(0, aadBytes.length);
                MemorySegment.copy(aadBytes, 0, aadSeg, ValueLayout.JAVA_BYTE, 0, aadBytes.length);
                MemorySegment.copy(plain, 0, buf, ValueLayout.JAVA_BYTE, offset, length);
                try (GcmKey gk = new GcmKey(key.clone())) {
                    gcm.seal(gk, nonce, aadSeg, buf, offset, length);
                    byte[] sealed = buf.asSlice(offset, length + 16).toArray(ValueLayout.JAVA_BYTE);

                    Cipher jdk = Cipher.getInstance("AES/GCM/NoPadding");
                    jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
                    jdk.updateAAD(aadBytes);
                    assertThat(sealed).as("round %d length %d", round, length).isEqualTo(jdk.doFinal(plain));

                    assertThat(gcm.open(gk, nonce, aadSeg, buf, offset, length)).isTrue();
                    assertThat(buf.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(plain);
                }
            }
        }
    }

    @Test
    void shouldRejectAnyFlippedBit() {
        Random random = new Random(7);
        try (AesGcm gcm = new AesGcm(); Arena arena = Arena.ofConfined();
             GcmKey key = new GcmKey(new byte[16])) {
            int length = 100;
            MemorySegment buf = arena.allocate(length + 16);
            MemorySegment nonce = arena.allocate(12);
            MemorySegment aad = arena.allocate(5);
            aad.fill((byte) 3);
            byte[] plain = new byte[length];
            random.nextBytes(plain);
            MemorySegment.copy(plain, 0, buf, ValueLayout.JAVA_BYTE, 0, length);
            gcm.seal(key, nonce, aad, buf, 0, length);
            byte[] sealed = buf.toArray(ValueLayout.JAVA_BYTE);
            // in the ciphertext, in the tag, and in the AAD
            for (int bit : new int[] {0, 7, 8 * 50 + 3, 8 * length, 8 * (length + 15) + 7}) {
                MemorySegment.copy(sealed, 0, buf, ValueLayout.JAVA_BYTE, 0, sealed.length);
                int b = bit / 8;
                buf.set(ValueLayout.JAVA_BYTE, b, (byte) (buf.get(ValueLayout.JAVA_BYTE, b) ^ (1 << (bit % 8))));
                assertThat(gcm.open(key, nonce, aad, buf, 0, length)).as("bit %d", bit).isFalse();
            }
            MemorySegment.copy(sealed, 0, buf, ValueLayout.JAVA_BYTE, 0, sealed.length);
            aad.set(ValueLayout.JAVA_BYTE, 4, (byte) 2);
            assertThat(gcm.open(key, nonce, aad, buf, 0, length)).isFalse();
            aad.set(ValueLayout.JAVA_BYTE, 4, (byte) 3);
            MemorySegment.copy(sealed, 0, buf, ValueLayout.JAVA_BYTE, 0, sealed.length);
            assertThat(gcm.open(key, nonce, aad, buf, 0, length)).isTrue();
            assertThat(buf.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(plain);
        }
    }

    @Test
    void shouldPickUpANewKeyAtTheSameGcmKey() throws Exception {
        try (AesGcm gcm = new AesGcm(); Arena arena = Arena.ofConfined(); GcmKey key = new GcmKey(new byte[16])) {
            MemorySegment buf = arena.allocate(32);
            MemorySegment nonce = arena.allocate(12);
            gcm.seal(key, nonce, MemorySegment.NULL, buf, 0, 16);
            byte[] first = buf.toArray(ValueLayout.JAVA_BYTE);
            byte[] k2 = new byte[16];
            k2[0] = 1;
            key.set(k2);
            buf.fill((byte) 0);
            gcm.seal(key, nonce, MemorySegment.NULL, buf, 0, 16);
            Cipher jdk = Cipher.getInstance("AES/GCM/NoPadding");
            jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(k2, "AES"), new GCMParameterSpec(128, new byte[12]));
            assertThat(buf.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(jdk.doFinal(new byte[16])).isNotEqualTo(first);
        }
    }
}
