"""RotateSecret as AWS runs it, where LocalStack 4.14.0 differs.

- ``RotateImmediately=true`` (the default): AWS answers at once and rotates in the background;
  LocalStack runs the four steps inside the call. Here the call validates and stores the rules,
  answers with the new version id, and a background thread runs LocalStack's rotation. Callers must
  wait for the rotation the way they must on AWS (AWSCURRENT on the token, no AWSPENDING left).
- ``RotateImmediately=false``: AWS does not rotate but tests the configuration: it adds an
  AWSPENDING version holding the current value, invokes only the function's ``testSecret`` step, and
  removes that version again. A failing ``testSecret`` fails the call, and the schedule is not
  changed. LocalStack only stores the rules, and then fails its own answer (see ``_store_rules``).

This is the one patch of ``SecretsManagerBackend.rotate_secret``. ``SECRETSBUNDLE_ROTATION=sync``
keeps LocalStack's synchronous rotation (and its untested ``RotateImmediately=false``, with its answer
fixed), to compare. Applied only when patches.py is (``SECRETSBUNDLE_LOCALSTACK_PATCHES``).
"""

import copy
import functools
import json
import logging
import os
import threading
import time
import uuid

from localstack.utils.patch import patch

LOG = logging.getLogger(__name__)

MODE_ENV = "SECRETSBUNDLE_ROTATION"
AWSCURRENT = "AWSCURRENT"
AWSPENDING = "AWSPENDING"

_applied = False
# Background rotations in flight, by secret ARN: a second RotateSecret meets the first like on AWS.
_running: dict[str, threading.Thread] = {}
_lock = threading.Lock()


def mode() -> str:
    value = os.environ.get(MODE_ENV, "async").strip().lower()
    return value if value in ("async", "sync") else "async"


def apply() -> None:
    global _applied
    if _applied:
        return
    asynchronous = mode() == "async"
    if not asynchronous:
        LOG.warning("secretsbundle: RotateSecret stays synchronous (%s=sync)", MODE_ENV)
    _patch_rotate_secret(asynchronous)
    _applied = True


def _store_rules(call, secret):
    """LocalStack's RotateSecret with RotateImmediately=false: its validation (secret, function,
    rules), then the rules stored; nothing rotated.

    LocalStack 4.14.0 stores the rules and then fails building its answer with ``cannot access local
    variable 'new_version_id'`` (500 InternalError); Terraform's ``rotate_immediately = false`` hits
    it. That error ends a call that did its work: answer as AWS does, with the last rotation date
    left as it was.
    """
    last_rotation_date = secret.last_rotation_date if secret is not None else None
    try:
        return call(rotate_immediately=False)
    except UnboundLocalError as e:
        if "new_version_id" not in str(e) or secret is None:
            raise
    secret.last_rotation_date = last_rotation_date
    return secret.to_short_dict()


def _patch_rotate_secret(asynchronous: bool) -> None:
    from localstack.services.secretsmanager import provider  # noqa: F401  (installs LocalStack's version first)
    from moto.secretsmanager.exceptions import InvalidRequestException
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
        call = functools.partial(
            fn,
            self,
            secret_id,
            client_request_token=client_request_token,
            rotation_lambda_arn=rotation_lambda_arn,
            rotation_rules=rotation_rules,
        )
        secret = self.secrets[secret_id] if self._is_valid_identifier(secret_id) else None
        if not asynchronous:
            return call(rotate_immediately=True) if rotate_immediately else _store_rules(call, secret)
        if secret is not None and _pending_rotation(secret) is not None:
            with _lock:
                running = _running.get(secret.arn)
            if running is not None and running.is_alive():
                raise InvalidRequestException("A previous rotation isn't complete. That rotation will be reattempted.")
            if rotate_immediately:
                # A rotation that failed left its AWSPENDING version: LocalStack reattempts it inside
                # the call and answers "still in progress" if it fails again. Kept as it is.
                return _recorded_rotation(
                    self, secret, _pending_rotation(secret), lambda: call(rotate_immediately=True)
                )
        saved = _rotation_settings(secret)
        answer = _store_rules(call, secret)
        secret = self.secrets[secret_id]
        if not rotate_immediately:
            token = client_request_token or str(uuid.uuid4())
            error = _test_configuration(self, secret, token)
            if error:
                _restore_rotation_settings(secret, saved)
                raise InvalidRequestException(
                    f"Secrets Manager tested the rotation configuration with the function's testSecret step "
                    f"(RotateImmediately=false), and it failed: {error}"
                )
            return answer
        token = client_request_token or str(uuid.uuid4())
        # The AWSPENDING version exists when the call answers, as LocalStack makes it (empty, for
        # the AWS templates' checks); the background rotation finds and uses it.
        self._add_secret(
            secret.arn,
            "dummy_password",
            description=secret.description,
            tags=secret.tags,
            version_id=token,
            version_stages=[AWSPENDING],
        )
        del secret.versions[token]["secret_string"]
        thread = threading.Thread(
            target=_rotate_in_background,
            args=(fn, self, secret, token, rotation_lambda_arn, rotation_rules),
            name=f"secretsbundle-rotation-{secret.name}",
            daemon=True,
        )
        with _lock:
            _running[secret.arn] = thread
        thread.start()
        return secret.to_short_dict(version_id=token)

    LOG.debug("secretsbundle: RotateSecret rotates in the background and tests the configuration when not rotating")


def _pending_rotation(secret):
    for version_id, version in secret.versions.items():
        stages = version.get("version_stages") or []
        if AWSPENDING in stages and AWSCURRENT not in stages:
            return version_id
    return None


_SETTINGS = ("rotation_lambda_arn", "auto_rotate_after_days", "next_rotation_date", "rotation_enabled", "rotation_requested")


def _rotation_settings(secret) -> dict:
    if secret is None:
        return {}
    return {name: getattr(secret, name, None) for name in _SETTINGS}


def _restore_rotation_settings(secret, saved: dict) -> None:
    for name, value in saved.items():
        setattr(secret, name, value)


def _lambda_client(backend):
    from localstack.aws.connect import connect_to

    return connect_to(region_name=backend.region_name).lambda_


def _test_configuration(backend, secret, token: str) -> str:
    """Adds AWSPENDING with the current value, invokes testSecret, removes the version; returns the error."""
    current_id = next((v for v, version in secret.versions.items() if AWSCURRENT in (version.get("version_stages") or [])), None)
    if current_id is None:
        return "the secret has no AWSCURRENT version"
    pending = copy.deepcopy(secret.versions[current_id])
    pending["version_id"] = token
    pending["version_stages"] = [AWSPENDING]
    pending["createdate"] = int(time.time())
    secret.versions[token] = pending
    try:
        response = _lambda_client(backend).invoke(
            FunctionName=secret.rotation_lambda_arn,
            Payload=json.dumps({"Step": "testSecret", "SecretId": secret.arn, "ClientRequestToken": token}),
        )
        if response.get("FunctionError"):
            payload = json.loads(response["Payload"].read() or b"{}")
            return f"{payload.get('errorType', response['FunctionError'])}: {payload.get('errorMessage', '')}".strip()
        return ""
    except Exception as e:  # the function could not be invoked at all
        return f"the rotation function could not be invoked: {e}"
    finally:
        version = secret.versions.get(token)
        if version is not None:
            stages = version.get("version_stages") or []
            if AWSPENDING in stages:
                stages.remove(AWSPENDING)
            if not stages:
                del secret.versions[token]


def _rotated(secret, token) -> bool:
    version = secret.versions.get(token) or {}
    return AWSCURRENT in (version.get("version_stages") or [])


def _recorded_rotation(backend, secret, token, rotate):
    """Runs rotate between the CloudTrail service events AWS records for a rotation: RotationStarted,
    then RotationSucceeded when token's version became AWSCURRENT, RotationFailed otherwise
    (LocalStack itself swallows a failed step)."""
    from secretsbundle_localstack import service_events

    region, account = backend.region_name, backend.account_id
    service_events.record("RotationStarted", secret.arn, region, account)
    succeeded = False
    try:
        answer = rotate()
        succeeded = _rotated(secret, token)
        return answer
    finally:
        service_events.record("RotationSucceeded" if succeeded else "RotationFailed", secret.arn, region, account)


def _rotate_in_background(fn, backend, secret, token, rotation_lambda_arn, rotation_rules) -> None:
    try:
        _recorded_rotation(
            backend,
            secret,
            token,
            lambda: fn(
                backend,
                secret.arn,
                client_request_token=token,
                rotation_lambda_arn=rotation_lambda_arn,
                rotation_rules=rotation_rules,
                rotate_immediately=True,
            ),
        )
    except Exception as e:
        # AWS records a failed rotation and leaves AWSPENDING; LocalStack logs it the same way (its
        # own "still in progress" for the version pending since the call answered included).
        LOG.info("secretsbundle: background rotation of %s (token %s) failed: %s", secret.name, token, e)
    finally:
        with _lock:
            if _running.get(secret.arn) is threading.current_thread():
                del _running[secret.arn]
