"""Airflow DAGs that run Lethe on Spark, built from lethe_pipeline.json beside this file.

The JSON file is the one definition of the steps: each becomes a SparkSubmitOperator that submits the shaded jar
with main class io.lethe.jobs.cli.LetheCli and the step's lethe command line. spark-jobs' AirflowPipelineTest
parses every step's arguments with the jar's own CLI parser, so the DAGs cannot drift from the jar.

Install: copy this file and lethe_pipeline.json into the DAG folder of an Airflow 3 that has
apache-airflow-providers-apache-spark (submit/airflow/requirements.txt pins the tested versions), create the Spark
connection, and set the Airflow Variables the JSON lists (lethe_store, lethe_jar, ...) where their defaults do not
fit. The README's Airflow section says how; spark-jobs' AirflowDagIT runs these DAGs in a real Airflow.
"""

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import DAG, Variable

PIPELINE_FILE = Path(__file__).resolve().with_name("lethe_pipeline.json")
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
# Parsed-time values: SparkSubmitOperator does not template conn_id and pool.
PARSE_TIME_VARIABLES = ("connId", "pool")


def load_pipeline(path=PIPELINE_FILE):
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def run_time_value(variable):
    """Jinja that reads the Airflow Variable when the task runs, so parsing this file needs no database."""
    return "{{ var.value.get(%s, %s) }}" % (json.dumps(variable["airflowVariable"]), json.dumps(variable["default"]))


def fill(text, variables):
    """Replaces each ${name} in text by the run-time value of the Variable the pipeline defines for name."""

    def replace(match):
        name = match.group(1)
        if name not in variables or name in PARSE_TIME_VARIABLES:
            raise ValueError(
                "%s: ${%s} in %r is not a run-time variable; use one of %s"
                % (PIPELINE_FILE.name, name, text, sorted(set(variables) - set(PARSE_TIME_VARIABLES)))
            )
        return run_time_value(variables[name])

    return PLACEHOLDER.sub(replace, text)


def build_dags(pipeline):
    """One DAG per entry of the pipeline's "dags", its steps chained in the order listed."""
    variables = {variable["name"]: variable for variable in pipeline["variables"]}
    steps = {step["id"]: step for step in pipeline["steps"]}
    application = pipeline["application"]
    parse_time = {
        name: Variable.get(variables[name]["airflowVariable"], default=variables[name]["default"])
        for name in PARSE_TIME_VARIABLES
    }
    dags = {}
    for spec in pipeline["dags"]:
        dag = DAG(
            dag_id=spec["id"],
            description=spec["about"],
            doc_md=spec["about"],
            schedule=spec["schedule"],
            start_date=datetime(2025, 1, 1),
            catchup=False,
            max_active_runs=1,
            default_args={
                "retries": pipeline["retries"],
                "retry_delay": timedelta(minutes=pipeline["retryDelayMinutes"]),
            },
            tags=["lethe"],
        )
        upstream = None
        for step_id in spec["steps"]:
            step = steps[step_id]
            options = {"pool": parse_time["pool"]} if step["writesStore"] else {}
            task = SparkSubmitOperator(
                task_id=step_id,
                dag=dag,
                conn_id=parse_time["connId"],
                application=fill(application["jar"], variables),
                java_class=application["mainClass"],
                application_args=[step["command"]] + [fill(arg, variables) for arg in step["args"]],
                conf=application["sparkConf"],
                name="lethe-" + step_id,
                doc_md=step["trigger"],
                **options,
            )
            if upstream is not None:
                upstream >> task
            upstream = task
        dags[spec["id"]] = dag
    return dags


# Airflow finds DAGs among the module's globals.
globals().update(build_dags(load_pipeline()))
