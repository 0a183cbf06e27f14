"""Loads an Airflow DAG file with minimal stand-ins for the Airflow modules it imports, then prints as JSON the
DAGs and tasks it built. Airflow cannot be installed where Lethe is built; this checks the DAG file's own logic.

Usage: python3 run_dag_with_fake_airflow.py DAG_FILE [VARIABLES_JSON]
"""
import json
import runpy
import sys
import types


class DAG:
    def __init__(self, dag_id, **kwargs):
        self.dag_id = dag_id
        self.kwargs = kwargs
        self.tasks = []


class SparkSubmitOperator:
    def __init__(self, task_id, dag, **kwargs):
        self.task_id = task_id
        self.kwargs = kwargs
        self.upstream = []
        dag.tasks.append(self)

    def __rshift__(self, other):
        other.upstream.append(self.task_id)
        return other


class Variable:
    values = {}

    @staticmethod
    def get(key, default_var=None):
        return Variable.values.get(key, default_var)


def fake_module(name, **attributes):
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    sys.modules[name] = module


fake_module("airflow", DAG=DAG)
fake_module("airflow.models", Variable=Variable)
for package in ("airflow.providers", "airflow.providers.apache", "airflow.providers.apache.spark",
                "airflow.providers.apache.spark.operators"):
    fake_module(package)
fake_module("airflow.providers.apache.spark.operators.spark_submit", SparkSubmitOperator=SparkSubmitOperator)

Variable.values = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
namespace = runpy.run_path(sys.argv[1])
built = {}
for name, dag in namespace.items():
    if isinstance(dag, DAG):
        default_args = dag.kwargs["default_args"]
        built[name] = {
            "dagId": dag.dag_id,
            "schedule": dag.kwargs["schedule"],
            "catchup": dag.kwargs["catchup"],
            "maxActiveRuns": dag.kwargs["max_active_runs"],
            "retries": default_args["retries"],
            "retryDelaySeconds": default_args["retry_delay"].total_seconds(),
            "tasks": [dict(task.kwargs, taskId=task.task_id, upstream=task.upstream) for task in dag.tasks],
        }
print(json.dumps(built, sort_keys=True))
