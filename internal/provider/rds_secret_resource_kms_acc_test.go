package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
)

// testKey is a customer managed key with an alias, scheduled for deletion when the test ends.
func testKey(t *testing.T, client *harness.AWS, alias string) (arn, id string) {
	t.Helper()
	ctx := context.Background()
	key, err := client.KMS.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("tf-acc " + alias)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = client.KMS.ScheduleKeyDeletion(context.Background(), &kms.ScheduleKeyDeletionInput{KeyId: key.KeyMetadata.KeyId, PendingWindowInDays: aws.Int32(7)})
	})
	if _, err := client.KMS.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = client.KMS.DeleteAlias(context.Background(), &kms.DeleteAliasInput{AliasName: aws.String(alias)})
	})
	return aws.ToString(key.KeyMetadata.Arn), aws.ToString(key.KeyMetadata.KeyId)
}

// TestAccRDSSecret_kmsKeyForms: a secret under a customer managed key given by alias name, alias
// ARN or key id is rotated by the rotator under the harness's IAM enforcement, which refuses
// kms:Decrypt and kms:GenerateDataKey without a grant: the key resolves to its ARN for the role
// policy, and kms_key_arn shows it.
func TestAccRDSSecret_kmsKeyForms(t *testing.T) {
	client := testAWS(t)
	proxy := startProxy(t)
	alias := "alias/tf-acc-forms-" + acctest.RandString(6)
	keyARN, keyID := testKey(t, client, alias)
	aliasARN := "arn:aws:kms:" + harness.Region + ":000000000000:" + alias
	for name, form := range map[string]string{"alias name": alias, "alias ARN": aliasARN, "key id": keyID} {
		t.Run(name, func(t *testing.T) {
			db := newE2EDatabase(t, dbserver.Shared(t, dbserver.Options{Engine: dbserver.Postgres}))
			bundle := acctest.RandomWithPrefix("tf-acc-kms-form")
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: db.bundleConfig(proxy.URL(), bundle, fmt.Sprintf("  kms_key_id = %q\n", form)+rotationBlock("    rotate_immediately = true\n", "")),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(testResource, tfjsonpath.New("kms_key_id"), knownvalue.StringExact(form)),
						statecheck.ExpectKnownValue(testResource, tfjsonpath.New("kms_key_arn"), knownvalue.StringExact(keyARN)),
						statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_rotation_error"), knownvalue.StringExact("")),
					},
					Check: func(s *terraform.State) error { return rotatedAndLogsIn(client, db, s) },
				}},
			})
		})
	}
}

// TestAccRDSSecret_rdsManagedMaster: alternating users whose master secret is RDS-managed in shape
// (username and password only) and under a customer managed key of its own: the rotator takes the
// connection from the bundle's secret, and the role may decrypt the master secret through its key,
// under the harness's IAM enforcement, against the real PostgreSQL server.
func TestAccRDSSecret_rdsManagedMaster(t *testing.T) {
	client := testAWS(t)
	proxy := startProxy(t)
	db := newE2EDatabase(t, dbserver.Shared(t, dbserver.Options{Engine: dbserver.Postgres}))
	masterKeyARN, _ := testKey(t, client, "alias/tf-acc-rds-master-"+acctest.RandString(6))
	master, err := client.SecretsManager.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name:         aws.String(acctest.RandomWithPrefix("tf-acc-rds-master")),
		KmsKeyId:     aws.String(masterKeyARN),
		SecretString: aws.String(fmt.Sprintf(`{"username":%q,"password":%q}`, db.server.SuperUser, db.server.SuperPassword)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = client.SecretsManager.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: master.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	bundle := acctest.RandomWithPrefix("tf-acc-rds-master")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: db.bundleConfig(proxy.URL(), bundle, rotationBlock(fmt.Sprintf(`
    rotate_immediately = true
    strategy           = "alternating_users"
    master_secret_arn  = %q
`, aws.ToString(master.ARN)), "")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testResource, tfjsonpath.New("master_kms_key_arn"), knownvalue.StringExact(masterKeyARN)),
				statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_rotation_error"), knownvalue.StringExact("")),
			},
			Check: func(s *terraform.State) error { return rotatedAndLogsIn(client, db, s) },
		}},
	})
}

// rotatedAndLogsIn checks that the first rotation ran (AWSCURRENT holds a new password) and that
// AWSCURRENT logs in to the database.
func rotatedAndLogsIn(client *harness.AWS, db e2eDatabase, s *terraform.State) error {
	a, err := attributes(s)
	if err != nil {
		return err
	}
	current, err := readVersion(client, a["arn"], "AWSCURRENT")
	if err != nil {
		return err
	}
	if current.password == db.password {
		return fmt.Errorf("AWSCURRENT still holds the initial password: the first rotation did not run")
	}
	if err := db.logIn(current.username, current.password); err != nil {
		return fmt.Errorf("the AWSCURRENT credentials (user %s) do not log in: %v", current.username, err)
	}
	return nil
}
