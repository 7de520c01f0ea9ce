package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccRDSSecret_createOrRestore destroys a bundle with a recovery window of 7 days and applies it
// again with restore_if_scheduled_for_deletion: the secret, scheduled for deletion and tagged as
// the bundle's, is restored and adopted (same ARN, its rotated password kept, readable, rotating
// again with the new rotator). A secret of a name scheduled for deletion without the bundle tag is
// refused with the advice, and stays scheduled for deletion.
func TestAccRDSSecret_createOrRestore(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-restore")
	untagged := name + "-untagged"
	t.Cleanup(func() {
		for _, id := range []string{name, untagged} {
			_, _ = client.SecretsManager.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(id), ForceDeleteWithoutRecovery: aws.Bool(true)})
		}
	})
	bundleOf := func(secretName string) string {
		return strings.Replace(rdsSecretConfig(proxy.URL(), secretName, db, rotationBlock("", "")),
			"recovery_window_in_days = 0", "recovery_window_in_days = 7\n  restore_if_scheduled_for_deletion = true", 1)
	}
	var arn string
	scheduled := func(id string) error {
		out, err := client.SecretsManager.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
		if err != nil || out.DeletedDate == nil {
			return fmt.Errorf("secret %s is not scheduled for deletion: %v", id, err)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: bundleOf(name),
				Check: func(s *terraform.State) error {
					a, err := attributes(s)
					arn = a["arn"]
					return err
				},
			},
			{
				// Destroyed: the secret is scheduled for deletion and holds the name for 7 days.
				Config: testAccProviderBlock(proxy.URL()),
				Check: func(*terraform.State) error {
					if err := scheduled(arn); err != nil {
						return err
					}
					out, err := client.SecretsManager.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
					if err == nil {
						return fmt.Errorf("the destroyed secret is still readable: %v", out.VersionId)
					}
					return nil
				},
			},
			{
				Config: bundleOf(name),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(testResource, "rotation_enabled", "true"),
					resource.TestCheckResourceAttr(testResource, "last_rotation_error", ""),
					func(s *terraform.State) error {
						a, err := attributes(s)
						if err != nil {
							return err
						}
						if a["arn"] != arn {
							return fmt.Errorf("the bundle's secret is %s, want the restored %s", a["arn"], arn)
						}
						described, err := client.SecretsManager.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)})
						if err != nil || described.DeletedDate != nil {
							return fmt.Errorf("the secret was not restored: %v", err)
						}
						// Its value is the one rotated before the destroy, which the database knows.
						return db.canLogIn(secretPassword(t, client, arn))
					}),
			},
			{
				// A secret of the name scheduled for deletion that is not the bundle's is refused.
				PreConfig: func() {
					out, err := client.SecretsManager.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
						Name: aws.String(untagged), SecretString: aws.String(`{"username":"someone","password":"else"}`),
					})
					if err != nil {
						t.Fatal(err)
					}
					if _, err := client.SecretsManager.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: out.ARN, RecoveryWindowInDays: aws.Int64(7)}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      bundleOf(name) + strings.Replace(strings.TrimPrefix(bundleOf(untagged), testAccProviderBlock(proxy.URL())), `"secretsbundle_rds_secret" "test"`, `"secretsbundle_rds_secret" "untagged"`, 1),
				ExpectError: regexpMust(`(?s)scheduled\s+for\s+deletion\s+and\s+has\s+no\s+tag.*not\s+this\s+bundle's`),
			},
			{
				Config: bundleOf(name),
				Check: func(*terraform.State) error {
					if err := scheduled(untagged); err != nil {
						return fmt.Errorf("the refused secret was touched: %w", err)
					}
					value, err := client.SecretsManager.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(untagged)})
					if err == nil && len(value.Tags) > 0 {
						return fmt.Errorf("the refused secret was tagged: %v", value.Tags)
					}
					return nil
				},
			},
		},
	})
}
