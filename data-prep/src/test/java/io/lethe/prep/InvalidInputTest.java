package io.lethe.prep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.store.DataManifest.DataSettings;
import io.lethe.store.LetheStore;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way an input can be rejected: the exact message, and that the store is left without any trace. */
class InvalidInputTest {
  private static final String HEADER = "id,subject,label,f0,f1";
  private static final String ID_RULE = "Ids must be 1 to 256 characters without control characters, '/', '\\'"
      + " or ','";

  private static SparkSession spark;

  @TempDir
  Path tmp;

  private LetheStore store;

  @BeforeAll
  static void startSpark() {
    spark = TestSpark.session();
  }

  @BeforeEach
  void openStore() {
    store = TestSpark.openStore(tmp.resolve("store"));
  }

  @AfterEach
  void storeHoldsNoTraceOfTheFailedRun() {
    assertThat(store.dataVersions()).isEmpty();
    assertThat(store.exists(store.layout().dataDir())).isFalse();
    assertThat(store.list(store.layout().stagingDir())).isEmpty();
  }

  private Path csv(String name, String... lines) {
    return Fixtures.writeLines(tmp.resolve(name), lines);
  }

  private static DataSettings csvSettings(Path... files) {
    return DataSettingsBuilder.csv(List.of(files[0].toString())).idColumn("id").subjectColumn("subject")
        .featureColumns(List.of("f0", "f1"))
        .testInputs(files.length > 1 ? List.of(files[1].toString()) : List.of())
        .build();
  }

  private void assertRejected(DataSettings settings, String message) {
    assertThatThrownBy(() -> PrepareJob.run(spark, store, settings, "prepare"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage(message);
  }

  @Test
  void duplicateRecordIds() {
    Path file = csv("train.csv", HEADER, "b,s,0,1,2", "a,s,1,1,2", "a,s,0,1,2", "c,s,1,1,2", "a,s,0,1,2",
        "b,s,1,1,2");
    assertRejected(csvSettings(file), "Invalid input in " + file + ": 2 record_ids occur more than once (first:"
        + " 'a' x3, 'b' x2). Record ids must be unique; fix the id column.");
  }

  @Test
  void identicalRowsWithoutAnIdColumnCollideWithAHint() {
    Path file = csv("train.csv", "label,f0,f1", "1,0.5,0.25", "0,1,2", "1,0.5,0.25");
    DataSettings settings = DataSettingsBuilder.csv(List.of(file.toString())).featureColumns(List.of("f0", "f1"))
        .build();
    assertThat(TableInput.deriveRecordId(1, new float[] {0.5f, 0.25f})).isEqualTo("r561fd527e72288ef93bf");
    assertRejected(settings, "Invalid input in " + file + ": 1 record_id occurs more than once (first:"
        + " 'r561fd527e72288ef93bf' x2). Record ids must be unique; without an id column a row's id is derived from"
        + " its label and features, so identical rows share one: set idColumn to a column that tells them apart,"
        + " or drop the copies.");
  }

  @Test
  void malformedRecordIdsShowingTheFirstFive() {
    Path file = csv("train.csv", HEADER, "ok,s,0,1,2", ",s,1,1,2", "a/b,s,0,1,2", "\"a,b\",s,1,1,2",
        "a\\b,s,0,1,2", "c\u0001,s,1,1,2", "x".repeat(300) + ",s,0,1,2");
    assertRejected(csvSettings(file), "Invalid input in " + file + ": 6 rows have an invalid record_id (first: '',"
        + " 'a,b', 'a/b', 'a\\b', 'c\\u0001'). " + ID_RULE + "; fix the id column.");
  }

  @Test
  void malformedSubjectIds() {
    Path file = csv("train.csv", HEADER, "r1,fine,0,1,2", "r2,,1,1,2", "r3,x/y,0,1,2",
        "r4," + "z".repeat(300) + ",1,1,2");
    assertRejected(csvSettings(file), "Invalid input in " + file + ": 3 rows have an invalid subject_id (first:"
        + " 'r2' has '', 'r3' has 'x/y', 'r4' has '" + "z".repeat(40) + "'... (300 chars)). " + ID_RULE
        + "; fix the subject column.");
  }

  @Test
  void missingOrNonIntegerLabels() {
    Path file = csv("train.csv", HEADER, "r1,s,,1,2", "r2,s,cat,1,2", "r3,s,1.5,1,2", "r4,s,1,1,2", "r5,s,0,1,2");
    assertRejected(csvSettings(file), "Invalid input in " + file + ": 3 rows have a missing or non-integer label"
        + " (first: 'r1', 'r2', 'r3'). Every row needs an integer class label; fix or drop these rows.");
  }

  @Test
  void negativeLabels() {
    Path file = csv("train.csv", HEADER, "r1,s,-1,1,2", "r2,s,0,1,2", "r3,s,1,1,2", "r4,s,-5,1,2");
    assertRejected(csvSettings(file), "Invalid input in " + file + ": 2 rows have a label outside [0, 2) (first:"
        + " 'r1' has -1, 'r4' has -5). Labels are class indices from 0 to 1; map your classes to these numbers.");
  }

  @Test
  void aSingleClass() {
    Path file = csv("train.csv", HEADER, "r1,s,0,1,2", "r2,s,0,1,2");
    assertRejected(csvSettings(file), "Invalid input in " + file + ": The largest label is 0: a classifier needs"
        + " at least two classes, labelled 0 and 1 upwards.");
  }

  @Test
  void testLabelsBeyondTheTrainingClasses() {
    Path train = csv("train.csv", HEADER, "r1,s,0,1,2", "r2,s,1,1,2", "r3,s,2,1,2");
    Path test = csv("test.csv", HEADER, "t1,s,0,1,2", "t2,s,5,1,2");
    assertRejected(csvSettings(train, test), "Invalid input in " + test + ": 1 row has a label outside [0, 3)"
        + " (first: 't2' has 5). Labels are class indices from 0 to 2; map your classes to these numbers.");
  }

  @Test
  void nonFiniteOrMissingFeatures() {
    Path file = csv("train.csv", HEADER, "r1,s,0,NaN,2", "r2,s,1,1,Infinity", "r3,s,0,1e300,2", "r4,s,1,1,abc",
        "r5,s,0,,2", "r6,s,1,1,2");
    assertRejected(csvSettings(file), "Invalid input in " + file + ": 5 rows have a missing, non-numeric, NaN or"
        + " infinite feature (first: 'r1', 'r2', 'r3', 'r4', 'r5'). Features must be finite numbers; fix or drop"
        + " these rows.");
  }

  @Test
  void featureCountsThatDifferFromMostRows() {
    Path file = parquet("train.parquet",
        RowFactory.create("p1", 0, new double[] {1, 2, 3}),
        RowFactory.create("p2", 1, new double[] {1, 2, 3}),
        RowFactory.create("p3", 0, new double[] {1, 2}),
        RowFactory.create("p4", 1, null),
        RowFactory.create("p5", 0, new double[] {1, 2, 3, 4}),
        RowFactory.create("p6", 1, new double[] {4, 5, 6}));
    assertRejected(parquetSettings(file), "Invalid input in " + file + ": 3 rows have a feature count other than 3"
        + " (first: 'p3' has 2, 'p4' has none, 'p5' has 4). Every row, train and test, needs as many features as"
        + " most training rows; fix or drop these rows.");
  }

  @Test
  void noFeaturesAtAll() {
    Path file = parquet("train.parquet",
        RowFactory.create("p1", 0, new double[0]),
        RowFactory.create("p2", 1, new double[0]));
    assertRejected(parquetSettings(file), "Invalid input in " + file + ": No row has any features. Set"
        + " featureColumns to the numeric columns (or the one array column) that hold them.");
  }

  @Test
  void severalProblemsAreListedTogether() {
    Path file = csv("train.csv", HEADER, "a,s,0,1,2", "a,s,1,1,2", "b,s,,1,2");
    assertRejected(csvSettings(file), "Invalid input in " + file + " (2 problems):"
        + "\n  - 1 record_id occurs more than once (first: 'a' x2). Record ids must be unique; fix the id column."
        + "\n  - 1 row has a missing or non-integer label (first: 'b'). Every row needs an integer class label; fix"
        + " or drop these rows.");
  }

  @Test
  void anInvalidTestSplitStopsTheWholeRun() {
    Path train = csv("train.csv", HEADER, "r1,s,0,1,2", "r2,s,1,1,2");
    Path test = csv("test.csv", HEADER, "t1,s,0,1,2", "t1,s,1,1,2");
    assertRejected(csvSettings(train, test), "Invalid input in " + test + ": 1 record_id occurs more than once"
        + " (first: 't1' x2). Record ids must be unique; fix the id column.");
  }

  @Test
  void emptyInputs() {
    Path headerOnly = csv("header-only.csv", HEADER);
    assertRejected(csvSettings(headerOnly), "Invalid input: " + headerOnly + " holds no rows.");
    Path zeroBytes = Fixtures.write(tmp.resolve("zero.csv"), new byte[0]);
    assertRejected(csvSettings(zeroBytes), "Invalid input: " + zeroBytes + " holds no rows.");
  }

  @Test
  void aMissingColumnListsTheAvailableOnes() {
    Path file = csv("train.csv", HEADER, "r1,s,0,1,2");
    DataSettings settings = DataSettingsBuilder.csv(List.of(file.toString())).idColumn("id").labelColumn("target")
        .featureColumns(List.of("f0", "f1")).build();
    assertRejected(settings, "Column 'target' (labelColumn) not found in " + file + "; available columns: id,"
        + " subject, label, f0, f1. Set labelColumn to one of them.");
  }

  @Test
  void aMissingFile() {
    Path missing = tmp.resolve("nowhere.csv");
    assertRejected(csvSettings(missing), "Input " + missing + " does not exist; check the path.");
  }

  @Test
  void anUnreadableFile() {
    Path garbage = Fixtures.write(tmp.resolve("garbage.parquet"), "not parquet at all".getBytes());
    assertThatThrownBy(() -> PrepareJob.run(spark, store, parquetSettings(garbage), "prepare"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("Cannot read " + garbage + " as Parquet; check that it is a Parquet file or a"
            + " directory of them. Cause: ")
        .hasMessageContaining("is not a Parquet file");
  }

  @Test
  void missingFashionMnist() {
    DataSettings settings = DataSettingsBuilder.fashionMnist().inputs(List.of(tmp.toString())).build();
    assertRejected(settings, "Fashion-MNIST not found in " + tmp + " (missing: train-images-idx3-ubyte.gz,"
        + " train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz): install it with"
        + " `apt-get install dataset-fashion-mnist` (Debian) or set LETHE_FASHION_MNIST_DIR.");
  }

  @Test
  void idxImagesWithoutMatchingLabels() {
    Path images = Fixtures.write(tmp.resolve("imgs.gz"), Fixtures.gzip(Fixtures.idxImages(3, 2, 2, 0)));
    Path labels = Fixtures.write(tmp.resolve("labels.gz"), Fixtures.gzip(Fixtures.idxLabels(0, 1)));
    assertRejected(DataSettingsBuilder.idx(images.toString(), labels.toString()).build(), images + " holds 3"
        + " images but " + labels + " holds 2 labels; pass the labels file that belongs to these images.");
  }

  @Test
  void unknownSourceAndBadSettings() {
    DataSettings base = DataSettingsBuilder.csv(List.of("in.csv")).build();
    assertRejected(new DataSettings("excel", base.inputs(), base.testInputs(), base.strategy(), 2, 2, "s", 0,
        null, null, "label", List.of("f0"), 1.0, null), "Unknown source 'excel'; valid sources: fashion-mnist, idx, csv,"
        + " parquet.");
    assertRejected(DataSettingsBuilder.idx("a", "b").inputs(List.of("only-images")).build(), "Source idx needs"
        + " inputs [images file, labels file]; got 1: [only-images].");
    assertRejected(DataSettingsBuilder.csv(List.of("in.csv")).featureScale(0).build(), "featureScale must be a"
        + " positive finite number, got 0.0.");
    assertRejected(DataSettingsBuilder.csv(List.of()).build(), "Source csv needs at least one path in inputs.");
    Path noFeatures = csv("labels-only.csv", "id,subject,label", "r1,s,0");
    assertRejected(DataSettingsBuilder.csv(List.of(noFeatures.toString())).idColumn("id").subjectColumn("subject")
        .build(), noFeatures + " has no column besides id, subject and label (columns: id, subject, label); it"
        + " holds no features. Add feature columns or set featureColumns.");
    assertRejected(DataSettingsBuilder.fashionMnist().inputs(List.of("a", "b")).build(), "Source fashion-mnist"
        + " takes at most one input, the directory holding its IDX files; got 2: [a, b].");
    Path fashion = Fixtures.fashionMnistDir(tmp.resolve("fashion"), 4, 2, 2);
    assertRejected(DataSettingsBuilder.fashionMnist().inputs(List.of(fashion.toString()))
        .testInputs(List.of("t10k.gz")).build(), "Source fashion-mnist reads its test split from the t10k files;"
        + " leave testInputs empty (got [t10k.gz]).");
  }

  private Path parquet(String name, Row... rows) {
    StructType schema = new StructType()
        .add("id", DataTypes.StringType)
        .add("label", DataTypes.IntegerType)
        .add("pixels", DataTypes.createArrayType(DataTypes.DoubleType));
    Path dir = tmp.resolve(name);
    spark.createDataFrame(List.of(rows), schema).coalesce(1).write().parquet(dir.toString());
    return dir;
  }

  private static DataSettings parquetSettings(Path file) {
    return DataSettingsBuilder.parquet(List.of(file.toString())).idColumn("id").featureColumns(List.of("pixels"))
        .build();
  }
}
