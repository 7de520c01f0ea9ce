"""Fixes for LocalStack 4.14.0 bugs the project meets, applied with LocalStack's patch utility.

Each fix has a test in tests/ that fails without it. Set SECRETSBUNDLE_LOCALSTACK_PATCHES=0 to start
LocalStack without them (the tests do, to show the bug is still there to fix).
"""

import logging
import os

from localstack.utils.patch import patch

LOG = logging.getLogger(__name__)

DISABLE_ENV = "SECRETSBUNDLE_LOCALSTACK_PATCHES"

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    if os.environ.get(DISABLE_ENV, "1").strip().lower() in ("0", "false", "no", "off"):
        LOG.warning("secretsbundle: LocalStack fixes disabled by %s", DISABLE_ENV)
        return
    _patch_rotate_secret_without_immediate_rotation()
    _patch_delete_failed_function()
    _applied = True


def _patch_rotate_secret_without_immediate_rotation() -> None:
    """RotateSecret with RotateImmediately=false: store the rules, rotate nothing, answer 200.

    LocalStack 4.14.0 replaces moto's backend method with one that, when RotateImmediately is false,
    stores the rotation rules and then fails building its answer with ``cannot access local variable
    'new_version_id'`` (500 InternalError). Terraform's ``rotate_immediately = false`` hits it.
    """
    # LocalStack installs its own RotateSecret at import of its provider module; import it first so
    # this fix wraps LocalStack's version instead of being replaced by it.
    from localstack.services.secretsmanager import provider  # noqa: F401
    from moto.secretsmanager.models import SecretsManagerBackend

    @patch(SecretsManagerBackend.rotate_secret)
    def rotate_secret(
        fn,
        self,
        secret_id,
        client_request_token=None,
        rotation_lambda_arn=None,
        rotation_rules=None,
        rotate_immediately=True,
    ):
        if rotate_immediately:
            return fn(
                self,
                secret_id,
                client_request_token=client_request_token,
                rotation_lambda_arn=rotation_lambda_arn,
                rotation_rules=rotation_rules,
                rotate_immediately=rotate_immediately,
            )
        secret = self.secrets[secret_id] if self._is_valid_identifier(secret_id) else None
        last_rotation_date = secret.last_rotation_date if secret is not None else None
        try:
            # Runs LocalStack's validation and stores the rules; its own answer is the bug.
            return fn(
                self,
                secret_id,
                client_request_token=client_request_token,
                rotation_lambda_arn=rotation_lambda_arn,
                rotation_rules=rotation_rules,
                rotate_immediately=False,
            )
        except UnboundLocalError as e:
            if "new_version_id" not in str(e) or secret is None:
                raise
        # Nothing was rotated, so the last rotation date stays what it was, as on AWS.
        secret.last_rotation_date = last_rotation_date
        return secret.to_short_dict()

    LOG.debug("secretsbundle: patched RotateSecret for RotateImmediately=false")


def _patch_delete_failed_function() -> None:
    """DeleteFunction of a function in state Failed: delete it, as AWS does.

    A version that failed to start has no version manager in LocalStack 4.14.0, and deleting the
    function fails with ``500 InternalError: Unable to find version manager``; the function can then
    never be deleted. A provider that rolls back a failed create (deleting the function it made)
    hits it whenever a function fails to start, e.g. one the process executor refuses.
    """
    from localstack.services.lambda_ import hooks as lambda_hooks
    from localstack.services.lambda_.invocation.lambda_service import LambdaService

    @patch(LambdaService.stop_version)
    def stop_version(fn, self, qualified_arn):
        try:
            return fn(self, qualified_arn)
        except ValueError as e:
            if "Unable to find version manager" not in str(e):
                raise
        # Nothing runs for a version that never started; finish the deletion as LocalStack would.
        LOG.debug("secretsbundle: version %s never started; nothing to stop", qualified_arn)
        lambda_hooks.delete_function_version.run(qualified_arn)

    LOG.debug("secretsbundle: patched DeleteFunction for functions in state Failed")
