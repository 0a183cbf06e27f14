package io.lethe.jobs.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The peak heap of this JVM (the driver's) over a stretch of work, two ways: the largest heap in use (the sum of the
 * heap pools' peak usage, reset by {@link #reset()}; it includes garbage not yet collected, so it follows the
 * collector's pacing up to -Xmx), and the largest heap left right after a collection (what was still reachable; from
 * the collectors' notifications). In Spark local mode the executors run in this JVM, so both include what running
 * tasks hold.
 */
final class HeapPeaks implements AutoCloseable {
  private final List<MemoryPoolMXBean> heapPools = new ArrayList<>();
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final AtomicLong afterGcPeak = new AtomicLong();
  private final NotificationListener listener = this::onCollection;

  HeapPeaks() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.isValid()) {
        heapPools.add(pool);
      }
    }
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (collector instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(listener, null, null);
        emitters.add(emitter);
      }
    }
  }

  /** Starts a new stretch: collects garbage first so that one stretch's leftovers do not count in the next. */
  void reset() {
    System.gc();
    heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
    afterGcPeak.set(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
  }

  /** The sum of the heap pools' peak usage since {@link #reset()} (an upper bound of the heap in use at once). */
  long peakUsedBytes() {
    long sum = 0;
    for (MemoryPoolMXBean pool : heapPools) {
      sum += pool.getPeakUsage().getUsed();
    }
    return Math.max(sum, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
  }

  /** The largest heap still in use right after a collection since {@link #reset()}. */
  long peakAfterCollectionBytes() {
    return afterGcPeak.get();
  }

  private void onCollection(Notification notification, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
        (CompositeData) notification.getUserData());
    long used = 0;
    for (MemoryPoolMXBean pool : heapPools) {
      MemoryUsage after = info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName());
      if (after != null) {
        used += after.getUsed();
      }
    }
    afterGcPeak.accumulateAndGet(used, Math::max);
  }

  @Override
  public void close() {
    for (NotificationEmitter emitter : emitters) {
      try {
        emitter.removeNotificationListener(listener);
      } catch (ListenerNotFoundException e) {
        // Already gone: nothing to undo.
      }
    }
  }
}
