"""Test infrastructure for terraform-provider-secretsbundle, loaded into LocalStack 4.14 as plugins.

- ``process``: a Lambda runtime executor (``LAMBDA_RUNTIME_EXECUTOR=process``) that runs ``provided.*``
  functions as local processes under the AWS Lambda Runtime Interface Emulator, so LocalStack runs
  Lambda functions on a host without Docker.
- patches for LocalStack 4.14.0 bugs the project meets, applied when LocalStack starts.

Nothing here is part of the provider; it exists so the tests meet real LocalStack behaviour.
"""
