package io.lethe.jobs.predict;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.spark.sql.Row;

/**
 * Lazily scores a partition minibatch by minibatch, so a partition of any size needs memory for one batch only.
 *
 * @param <T> what each scored row becomes
 */
final class MinibatchIterator<T> implements Iterator<T> {
  private final Iterator<Row> rows;
  private final int batchSize;
  private final Function<List<Row>, List<float[][]>> score;
  private final BiFunction<List<Row>, List<float[][]>, List<T>> emit;
  private Iterator<T> current = Collections.emptyIterator();

  MinibatchIterator(Iterator<Row> rows, int batchSize, Function<List<Row>, List<float[][]>> score,
      BiFunction<List<Row>, List<float[][]>, List<T>> emit) {
    this.rows = rows;
    this.batchSize = batchSize;
    this.score = score;
    this.emit = emit;
  }

  @Override
  public boolean hasNext() {
    while (!current.hasNext() && rows.hasNext()) {
      List<Row> batch = new ArrayList<>(batchSize);
      while (batch.size() < batchSize && rows.hasNext()) {
        batch.add(rows.next());
      }
      current = emit.apply(batch, score.apply(batch)).iterator();
    }
    return current.hasNext();
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return current.next();
  }
}
