package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class NativeGarbageTest {
  private static final long MIB = 1L << 20;

  @Test
  void collectsOnlyOnceTheResidentSizeHasGrownPastTheLimitSinceTheLastCollection() {
    AtomicLong resident = new AtomicLong(1000 * MIB);
    AtomicInteger collections = new AtomicInteger();
    NativeGarbage guard = new NativeGarbage(100 * MIB, resident::get, () -> {
      collections.incrementAndGet();
      resident.set(1050 * MIB); // what the collection could not free is the new base
    });

    resident.set(1100 * MIB); // grown by exactly the limit: not past it
    steps(guard, NativeGarbage.CHECK_EVERY);
    assertThat(collections).hasValue(0);

    resident.set(1100 * MIB + 1);
    steps(guard, NativeGarbage.CHECK_EVERY - 1); // the size is read every CHECK_EVERY steps only
    assertThat(collections).hasValue(0);
    steps(guard, 1);
    assertThat(collections).hasValue(1);
    assertThat(guard.collections()).isEqualTo(1);

    resident.set(1140 * MIB); // 90 MiB past the base after the collection, 140 past the first base
    steps(guard, NativeGarbage.CHECK_EVERY);
    assertThat(collections).hasValue(1);
    resident.set(1151 * MIB);
    steps(guard, NativeGarbage.CHECK_EVERY);
    assertThat(collections).hasValue(2);
  }

  @Test
  void aLimitOfZeroNeverReadsTheSizeNorCollects() {
    NativeGarbage off = new NativeGarbage(0, () -> {
      throw new AssertionError("the resident size was read");
    }, () -> {
      throw new AssertionError("a collection was asked for");
    });
    steps(off, 10 * NativeGarbage.CHECK_EVERY);
    assertThat(off.collections()).isZero();
    assertThatThrownBy(() -> new NativeGarbage(-1, () -> 0, () -> { }))
        .hasMessageContaining("must be >= 0 bytes (0 = off)");
  }

  /**
   * The real thing: off-heap arrays dropped with next to no heap behind them, as DL4J's training steps leave them.
   * Without collections the process grows by the 4 GiB the loop allocates; the guard keeps it within a few limits of
   * where it started (the C allocator keeps freed memory for reuse, so the base after a collection may rise).
   */
  @Test
  void keepsNd4jsUnreachableBuffersFromGrowingTheProcess() {
    long limit = 128 * MIB;
    Nd4j.createUninitialized(DataType.FLOAT, 256 * 1024).assign(1f); // loads the backend, itself some 100 MiB
    NativeGarbage guard = NativeGarbage.ofThisProcess(limit);
    long start = Pointer.physicalBytes();
    long highest = start;
    for (int step = 0; step < 4096; step++) {
      Nd4j.createUninitialized(DataType.FLOAT, 256 * 1024).assign(1f); // 1 MiB, touched so it is resident
      guard.afterStep();
      highest = Math.max(highest, Pointer.physicalBytes());
    }
    assertThat(guard.collections()).isPositive();
    assertThat(highest - start).isLessThan(1536 * MIB);
  }

  private static void steps(NativeGarbage guard, int count) {
    for (int i = 0; i < count; i++) {
      guard.afterStep();
    }
  }
}
