terraform {
  # Write-only arguments (credentials.password_wo) need Terraform 1.11; the provider refuses older
  # versions with that message.
  required_version = ">= 1.11"

  required_providers {
    secretsbundle = {
      # Without this source Terraform looks for hashicorp/secretsbundle.
      source  = "secretsbundle/secretsbundle"
      version = "~> 0.1"
    }
  }
}

# Credentials, region and endpoints come from the environment as for the AWS CLI
# (AWS_PROFILE, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, ...).
provider "secretsbundle" {
  region = "eu-west-1"

  default_tags {
    tags = {
      owner = "platform"
    }
  }
}

# Against LocalStack on this machine.
provider "secretsbundle" {
  alias      = "localstack"
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"

  endpoints {
    secretsmanager = "http://127.0.0.1:4566"
    lambda         = "http://127.0.0.1:4566"
    iam            = "http://127.0.0.1:4566"
    events         = "http://127.0.0.1:4566"
    sns            = "http://127.0.0.1:4566"
    sqs            = "http://127.0.0.1:4566"
    cloudtrail     = "http://127.0.0.1:4567" # the harness's AWS proxy: LocalStack has no CloudTrail
    kms            = "http://127.0.0.1:4566"
    sts            = "http://127.0.0.1:4566"
    logs           = "http://127.0.0.1:4566"
  }
}
