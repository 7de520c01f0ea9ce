"""The plugins LocalStack loads from this package (see pyproject.toml's entry points)."""

from localstack.runtime import hooks
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin


class ProcessRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    """Chosen with LAMBDA_RUNTIME_EXECUTOR=process."""

    name = "process"

    def load(self, *args, **kwargs):
        from secretsbundle_localstack.executor import ProcessRuntimeExecutor

        return ProcessRuntimeExecutor


@hooks.on_infra_start()
def apply_patches():
    from secretsbundle_localstack import patches, rotation, service_events

    service_events.install_route()
    if patches.apply():
        rotation.apply()
        service_events.apply()


@hooks.on_infra_shutdown()
def stop_lambda_environments():
    # LocalStack stops the environments of its functions on shutdown already; this catches any that
    # outlive that, so no emulator or bootstrap process outlives LocalStack.
    from secretsbundle_localstack.executor import stop_all

    stop_all()


@hooks.on_infra_start()
def enforce_iam():
    # IAM evaluated for IAM users and assumed roles, and Lambda's assumption of a function's role
    # (iam_enforcement.py); on unless SECRETSBUNDLE_IAM_ENFORCEMENT=0.
    from secretsbundle_localstack import iam_enforcement

    iam_enforcement.install()
