"""The workflow engine: task model, built-in task registry, planner and DAG runner."""
