package io.lethe.models;

import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;
import org.bytedeco.javacpp.Pointer;

/**
 * Keeps the native memory held by ND4J's garbage bounded while a loop runs many small steps.
 *
 * <p>ND4J frees an array's off-heap buffer only once the garbage collector has found the array's Java object
 * unreachable. A DL4J training step leaves behind buffers of tens to hundreds of kilobytes but only a few hundred
 * bytes of heap, so the heap hardly fills and the collector that would free them does not run for a long time.
 * JavaCPP's own bound ({@code org.bytedeco.javacpp.maxPhysicalBytes}) defaults to twice the maximum heap, more than
 * the machine has when the heap is large: a 10^7-row {@code bench scale} run with {@code -Xmx16g} grew to the
 * machine's 24 GiB and stalled. The process's resident size counts the heap too, and the heap may legitimately
 * grow, so the bound is on growth: every {@value #CHECK_EVERY} steps this reads the resident size, and when it has
 * grown by more than the limit since the last collection (or since this guard was made), it asks for a collection
 * and takes the size after it as the new base. The C allocator keeps much of what ND4J frees for reuse rather than
 * returning it, so the size after a collection stays near the size before it and then stays flat while that memory
 * is reused: in practice the process stays within a few limits of where it started (with a 256 MiB limit, 3 GiB of
 * dropped 1 MiB arrays grew it by at most 0.8 GiB). Collections do not change any computed value, so training stays
 * bitwise repeatable.
 */
public final class NativeGarbage {
  /** Steps between two reads of the resident size (a read of /proc costs some microseconds). */
  static final int CHECK_EVERY = 64;

  private final long growthLimitBytes;
  private final LongSupplier residentBytes;
  private final Runnable collect;
  private long baseBytes;
  private long steps;
  private int collections;

  /**
   * @param growthLimitBytes how far the resident size may grow past its size after the last collection before
   *     another is asked for; 0 turns the guard off
   * @param residentBytes reads the process's resident size in bytes
   * @param collect runs a garbage collection and lets ND4J free what it found
   */
  NativeGarbage(long growthLimitBytes, LongSupplier residentBytes, Runnable collect) {
    if (growthLimitBytes < 0) {
      throw new IllegalArgumentException("the native garbage limit must be >= 0 bytes (0 = off), got "
          + growthLimitBytes);
    }
    this.growthLimitBytes = growthLimitBytes;
    this.residentBytes = residentBytes;
    this.collect = collect;
    this.baseBytes = growthLimitBytes == 0 ? 0 : residentBytes.getAsLong();
  }

  /** A guard over this process, or one that does nothing when {@code growthLimitBytes} is 0. */
  public static NativeGarbage ofThisProcess(long growthLimitBytes) {
    return new NativeGarbage(growthLimitBytes, Pointer::physicalBytes, NativeGarbage::collectAndWait);
  }

  /** Called after each step: collects when the resident size has grown past the limit. */
  public void afterStep() {
    if (growthLimitBytes == 0 || ++steps % CHECK_EVERY != 0) {
      return;
    }
    if (residentBytes.getAsLong() - baseBytes > growthLimitBytes) {
      collect.run();
      collections++;
      baseBytes = residentBytes.getAsLong();
    }
  }

  /** Collections this guard asked for. */
  public int collections() {
    return collections;
  }

  private static void collectAndWait() {
    long before = collectionCount();
    System.gc();
    // ND4J's deallocator threads free the buffers of the references the collection queued; give them a moment so
    // the size read next reflects it. A concurrent collection (-XX:+ExplicitGCInvokesConcurrent) may end later.
    for (int i = 0; i < 20 && collectionCount() == before; i++) {
      sleep(5);
    }
    sleep(20);
  }

  private static long collectionCount() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(bean -> Math.max(0, bean.getCollectionCount())).sum();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
