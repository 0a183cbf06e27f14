"""Lethe from PySpark: drives a Lethe store through the JVM of an active SparkSession.

The Java notebook API (io.lethe.jobs.api.Lethe) does the work, with the same jobs, store lock and commits as the
lethe command line; this module only wraps it for Python: tables come back as pyspark DataFrames, results as
small Python values. The SparkSession must have Lethe's shaded jar on its classpath (spark.jars, or --jars with
pyspark / spark-submit), and the driver must run with OMP_NUM_THREADS=1 (lethe.training.native-threads) and OPENBLAS_CORETYPE=Haswell
(lethe.training.openblas-coretype) to train.

    import sys; sys.path.insert(0, "/path/to/lethe/submit/python")
    from lethe import Lethe
    lethe = Lethe.open(spark, "hdfs:///lethe/store", config="/opt/lethe/conf/lethe.conf")
    lethe.status().show()
    lethe.forget_subjects(["train-00042"], reason="GDPR Art. 17")
    lethe.requests().show()
    assert lethe.verify().ok

spark-jobs' PySparkModuleIT runs test_lethe.py beside this file against the shaded jar.
"""

from collections import namedtuple

from pyspark.sql import DataFrame, SparkSession

__all__ = ["Lethe", "ForgetReport", "Verification"]

JAVA_API = "io.lethe.jobs.api.Lethe"

ForgetReport = namedtuple(
    "ForgetReport",
    ["batch_id", "requests", "not_found", "train_rows_deleted", "shards_touched", "seconds_to_exact_serving",
     "generation_after", "test_accuracy_after"],
)
ForgetReport.__doc__ = "One completed forget batch: what it removed and how long exact serving took."

Verification = namedtuple(
    "Verification", ["ok", "findings", "deleted_records", "data_files_scanned", "checkpoints_scanned"]
)
Verification.__doc__ = "What verify found: ok is True when nothing holds or was trained on a deleted record."


def _java_api(spark):
    jvm = spark.sparkContext._jvm
    try:
        # A class the JVM cannot load comes back from py4j as a package, not as an error.
        api = jvm.io.lethe.jobs.api.Lethe
        jvm.java.lang.Class.forName(JAVA_API, False, jvm.java.lang.Thread.currentThread().getContextClassLoader())
    except Exception as error:
        raise RuntimeError(
            "%s is not on the classpath of this SparkSession: start it with Lethe's shaded jar, e.g."
            " SparkSession.builder.config('spark.jars', '/path/to/lethe-spark-jobs-<version>-shaded.jar')"
            " (in Zeppelin: spark.jars in the %%spark.conf paragraph) (%s)" % (JAVA_API, error)
        ) from None
    return api


def _string_array(spark, values):
    gateway = spark.sparkContext._gateway
    array = gateway.new_array(gateway.jvm.java.lang.String, len(values))
    for i, value in enumerate(values):
        array[i] = value
    return array


def _data_frame(spark, jdf):
    return DataFrame(jdf, spark)


class Lethe:
    """One store, driven from a SparkSession; each method is the lethe command of the same name."""

    def __init__(self, spark, java_lethe):
        self._spark = spark
        self._lethe = java_lethe

    @classmethod
    def open(cls, spark, store, config=None, settings=None):
        """Opens the store at URI ``store``.

        ``config`` is a HOCON settings file (as ``lethe --config`` takes it); ``settings`` a dict of further
        settings (``{"lethe.model.epochs": 3}``, as ``--set`` takes them), applied last.
        """
        if not isinstance(spark, SparkSession):
            raise TypeError("Lethe.open needs the active SparkSession (spark), not %r" % (spark,))
        overrides = _string_array(spark, ["%s=%s" % (key, value) for key, value in (settings or {}).items()])
        api = _java_api(spark)
        jspark = spark._jsparkSession
        if config is None:
            return cls(spark, api.open(jspark, store, overrides))
        return cls(spark, api.openWithConfig(jspark, store, str(config), overrides))

    def status(self):
        """The served generation, one row per shard (generation, data_version, shard, served, served_slice,
        chain_length, checkpoint, train_rows); empty before the first training."""
        return _data_frame(self._spark, self._lethe.status())

    def prepare(self):
        """Commits a data version from the configured inputs; returns its number."""
        return self._lethe.prepare().version()

    def train(self):
        """Trains every shard of the newest data version (a no-op when up to date); returns the served generation."""
        return self._lethe.train().number()

    def forget_subjects(self, subject_ids, reason=None):
        """Forgets every record of these data subjects; returns the reports of the batches it completed."""
        return self._reports(self._lethe.forgetSubjects(list(subject_ids), reason))

    def forget_records(self, record_ids, reason=None):
        """Forgets these records; returns the reports of the batches it completed."""
        return self._reports(self._lethe.forgetRecords(list(record_ids), reason))

    def requests(self):
        """Every deletion request with its status and the time of each step."""
        return _data_frame(self._spark, self._lethe.requests())

    def verify(self, exact=False):
        """Checks that nothing in the store holds or was trained on a deleted record (exact=True also retrains
        every touched shard from scratch and compares bits)."""
        result = self._lethe.verify(bool(exact))
        return Verification(
            ok=result.ok(),
            findings=[str(finding) for finding in result.findings()],
            deleted_records=result.deletedRecords(),
            data_files_scanned=result.dataFilesScanned(),
            checkpoints_scanned=result.checkpointsScanned(),
        )

    def accuracy(self):
        """Test accuracy of the ensemble under each aggregation strategy and of each shard (model, accuracy)."""
        return _data_frame(self._spark, self._lethe.accuracyTable())

    def predict(self, rows):
        """Scores a DataFrame of (record_id, features[, label]) with the served generation."""
        if not isinstance(rows, DataFrame):
            raise TypeError("predict needs a DataFrame of record_id and features, not %r" % (rows,))
        return _data_frame(self._spark, self._lethe.predict(rows._jdf))

    @staticmethod
    def _reports(java_reports):
        return [
            ForgetReport(
                batch_id=r.batchId(),
                requests=r.requests(),
                not_found=r.notFound(),
                train_rows_deleted=r.trainRowsDeleted(),
                shards_touched=str(r.shardsTouched()),
                seconds_to_exact_serving=r.latencyToServingCleanSeconds(),
                generation_after=r.generationAfter(),
                test_accuracy_after=r.testAccuracyAfter(),
            )
            for r in java_reports
        ]
