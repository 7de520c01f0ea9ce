package provider

import (
	"context"
	"fmt"
	"slices"

	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccRDSSecret_alertSMS subscribes the created topic to phone numbers with protocol sms
// (deletion_alert.sms_numbers), as LocalStack's SNS lists them, then removes one and adds another.
func TestAccRDSSecret_alertSMS(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-sms") + "/db"
	config := func(numbers string) string {
		return rdsSecretConfig(proxy.URL(), name, db, rotationBlock("rotate_immediately = false", "")+fmt.Sprintf(`
  deletion_alert = {
    email_addresses = ["oncall@example.com"]
    sms_numbers     = [%s]
  }
`, numbers))
	}
	subscribed := func(want ...string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			a, err := attributes(s)
			if err != nil {
				return err
			}
			out, err := client.SNS.ListSubscriptionsByTopic(context.Background(), &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(a["alert_topic_arn"])})
			if err != nil {
				return err
			}
			var got []string
			email := false
			for _, sub := range out.Subscriptions {
				switch aws.ToString(sub.Protocol) {
				case "sms":
					got = append(got, aws.ToString(sub.Endpoint))
				case "email":
					email = email || aws.ToString(sub.Endpoint) == "oncall@example.com"
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				return fmt.Errorf("sms subscriptions of the topic %v, want %v", got, want)
			}
			if !email {
				return fmt.Errorf("the e-mail subscription is missing beside the SMS ones")
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(`"+14155550100", "+442071838750"`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(testResource, "deletion_alert.sms_numbers.#", "2"),
					subscribed("+14155550100", "+442071838750"),
				),
			},
			{
				Config: config(`"+14155550100", "+33142685300"`),
				Check:  subscribed("+14155550100", "+33142685300"),
			},
		},
	})
}
