"""The worker: consumes RunPipeline commands and runs pipelines through the sync adapter."""

from services.apps.worker.app import Worker, to_run_request

__all__ = ["Worker", "to_run_request"]
