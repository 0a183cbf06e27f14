"""Tests of lethe.py against Lethe's shaded jar in a local pyspark session (run by spark-jobs' PySparkModuleIT).

Environment: LETHE_JAR, the shaded jar; OMP_NUM_THREADS=1; OPENBLAS_CORETYPE=Haswell. pytest -p no:cacheprovider submit/python/test_lethe.py
"""

import json
import os
import random
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from lethe import Lethe

FEATURES = 12
CLASSES = 3
TRAIN_ROWS = 120
TEST_ROWS = 30
NOTE = Path(__file__).resolve().parents[1] / "zeppelin" / "lethe.zpln"


def write_csv(path, split, rows, seed):
    """Three well-separated classes; every row is its own data subject, named like Fashion-MNIST's (train-00042)."""
    rng = random.Random(seed)
    lines = ["id,subject,label," + ",".join("f%d" % f for f in range(FEATURES))]
    for i in range(rows):
        label = i % CLASSES
        name = "%s-%05d" % (split, i)
        features = ["%.4f" % ((2.0 if f % CLASSES == label else 0.0) + rng.gauss(0, 0.7)) for f in range(FEATURES)]
        lines.append(",".join([name, name, str(label)] + features))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def spark():
    jar = os.environ["LETHE_JAR"]
    session = (
        SparkSession.builder.master("local[2]")
        .appName("lethe-pyspark-test")
        .config("spark.jars", jar)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    """A settings file as a deployment would keep one: small CSV inputs, 2 shards x 2 slices, a tiny model."""
    folder = tmp_path_factory.mktemp("data")
    train = write_csv(folder / "train.csv", "train", TRAIN_ROWS, 1)
    test = write_csv(folder / "test.csv", "test", TEST_ROWS, 2)
    features = ", ".join('"f%d"' % f for f in range(FEATURES))
    path = folder / "lethe.conf"
    path.write_text(
        "lethe.data {\n  source = csv\n  inputs = [%s]\n  test-inputs = [%s]\n  id-column = id\n"
        "  subject-column = subject\n  feature-columns = [%s]\n  shards = 2\n  slices = 2\n}\n"
        "lethe.model {\n  architecture = tabular-mlp\n  hidden-layers = [8]\n  epochs = 8\n"
        "  learning-rate = 0.01\n  batch-size = 16\n}\n" % (json.dumps(str(train)), json.dumps(str(test)), features)
    )
    return path


@pytest.fixture(scope="module")
def trained(spark, config, tmp_path_factory):
    store = tmp_path_factory.mktemp("store").as_uri()
    lethe = Lethe.open(spark, store, config=config)
    assert lethe.status().count() == 0, "a new store serves nothing"
    assert lethe.prepare() == 1
    assert lethe.train() == 1
    return lethe


def test_status_lists_every_shard_of_the_served_generation(trained):
    rows = trained.status().orderBy("shard").collect()
    assert [(r.generation, r.data_version, r.shard, r.served, r.served_slice, r.chain_length) for r in rows] == [
        (1, 1, 0, True, 1, 2),
        (1, 1, 1, True, 1, 2),
    ]
    assert sum(r.train_rows for r in rows) == TRAIN_ROWS
    assert all(len(r.checkpoint) == 64 for r in rows)


def test_accuracy_and_predict_come_back_as_data_frames(trained, spark):
    accuracy = {r.model: r.accuracy for r in trained.accuracy().collect()}
    assert accuracy["ensemble mean-softmax"] > 0.8
    rows = spark.createDataFrame(
        [("p-%d" % i, [2.0 if f % CLASSES == i % CLASSES else 0.0 for f in range(FEATURES)]) for i in range(6)],
        "record_id string, features array<float>",
    )
    predictions = {r.record_id: r.prediction for r in trained.predict(rows).collect()}
    assert predictions == {"p-%d" % i: i % CLASSES for i in range(6)}


def test_forgetting_a_subject_completes_it_and_verify_is_clean(trained):
    generation_before = trained.status().first().generation
    reports = trained.forget_subjects(["train-00042"], reason="GDPR Art. 17 (pytest)")
    assert len(reports) == 1
    report = reports[0]
    assert (report.requests, report.not_found, report.train_rows_deleted) == (1, 0, 1)
    assert report.generation_after > generation_before
    assert trained.status().first().generation == report.generation_after

    requests = trained.requests().collect()
    assert [(r.id, r.status) for r in requests] == [("train-00042", "completed")]

    verification = trained.verify()
    assert verification.ok, verification.findings
    assert verification.deleted_records == 1
    assert verification.findings == []


def test_forgetting_records_and_an_unknown_id(trained):
    reports = trained.forget_records(["train-00007", "no-such-record"], reason="pytest")
    assert [(r.requests, r.not_found, r.train_rows_deleted) for r in reports] == [(2, 1, 1)]
    statuses = {r.id: r.status for r in trained.requests().collect()}
    assert statuses["train-00007"] == "completed"
    assert statuses["no-such-record"] == "not-found"
    assert trained.verify().ok


def test_a_setting_lethe_does_not_know_fails_with_its_name(spark, tmp_path):
    with pytest.raises(Exception, match="lethe.model.epochz"):
        Lethe.open(spark, tmp_path.as_uri(), settings={"lethe.model.epochz": 3})


def test_the_notes_pyspark_paragraph_runs(trained, spark, capsys):
    """The %pyspark paragraph of the Zeppelin note, run as Zeppelin would (spark and z bound), on this store."""
    note = json.loads(NOTE.read_text())
    paragraphs = [p["text"] for p in note["paragraphs"] if p["text"].startswith("%pyspark")]
    assert len(paragraphs) == 1
    code = paragraphs[0].split("\n", 1)[1]
    module_dir = str(Path(__file__).resolve().parent)
    code = code.replace('"/path/to/lethe/submit/python"', repr(module_dir))
    code = code.replace('"file:///tmp/lethe-zeppelin"', repr(trained._lethe.settings().store().root()))

    class ZeppelinContext:
        shown = []

        def show(self, data_frame):
            self.shown.append(data_frame.collect())

    z = ZeppelinContext()
    exec(compile(code, "lethe.zpln %pyspark", "exec"), {"spark": spark, "z": z})
    assert len(z.shown) >= 2
    assert any(getattr(row, "status", None) == "completed" for table in z.shown for row in table)
    assert "verify ok: True" in capsys.readouterr().out
