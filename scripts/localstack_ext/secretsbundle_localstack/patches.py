"""Fixes for LocalStack 4.14.0 bugs the project meets, applied with LocalStack's patch utility.

Each fix has a test in tests/ that fails without it. Set SECRETSBUNDLE_LOCALSTACK_PATCHES=0 to start
LocalStack without them (the tests do, to show the bug is still there to fix); that also leaves out
rotation.py, whose one patch of RotateSecret holds the fix of its ``RotateImmediately=false`` answer.
"""

import logging
import os

from localstack.utils.patch import patch

LOG = logging.getLogger(__name__)

DISABLE_ENV = "SECRETSBUNDLE_LOCALSTACK_PATCHES"

_applied = False


def apply() -> bool:
    """Applies the fixes once; answers whether they are applied (False when disabled by DISABLE_ENV)."""
    global _applied
    if _applied:
        return True
    if os.environ.get(DISABLE_ENV, "1").strip().lower() in ("0", "false", "no", "off"):
        LOG.warning("secretsbundle: LocalStack fixes disabled by %s", DISABLE_ENV)
        return False
    _patch_delete_failed_function()
    _applied = True
    return True


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
