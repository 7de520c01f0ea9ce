package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
)

// TestAccRDSSecret_trailWarning: the alert needs a trail logging management events. The proxy
// emulates none at first, so apply warns, naming the fix; with the check off, apply asks CloudTrail
// nothing and warns nothing; with a logging trail, the check (on again) passes silently.
func TestAccRDSSecret_trailWarning(t *testing.T) {
	proxy := startProxy(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-trail")
	config := func(check bool) string {
		return rdsSecretConfig(proxy.URL(), name, db, rotationBlock("rotate_immediately = false", "")+fmt.Sprintf(`
  deletion_alert = {
    check_trail = %t
  }
`, check))
	}
	recorder := &diagnosticRecorder{}
	trailCalls := func(from string) int {
		calls, err := proxy.CallsBetween(from, "")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range calls {
			if c.Service == "cloudtrail" && c.Operation != "LookupEvents" {
				n++
			}
		}
		return n
	}
	noWarning := func(*terraform.State) error {
		if err := recorder.expectWarning("ApplyResourceChange", "CloudTrail"); err == nil {
			return fmt.Errorf("apply warned about the trail: %v", recorder.warnings)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: recorder.factories(),
		Steps: []resource.TestStep{
			{
				Config: config(true),
				Check: func(*terraform.State) error {
					return recorder.expectWarning("ApplyResourceChange", "needs a CloudTrail trail", "can never fire", "no trail exists",
						"aws cloudtrail create-trail", "start-logging", "deletion_alert.check_trail = false")
				},
			},
			{
				PreConfig: func() { recorder.reset(); proxy.Mark("off") },
				Config:    config(false),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(testResource, "deletion_alert.check_trail", "false"),
					noWarning,
					func(*terraform.State) error {
						if n := trailCalls("off"); n != 0 {
							return fmt.Errorf("%d CloudTrail calls with the check off", n)
						}
						return nil
					},
				),
			},
			{
				PreConfig: func() {
					recorder.reset()
					proxy.Mark("on")
					if err := proxy.PutTrail(awsproxy.Trail{Name: "management-events", HomeRegion: "eu-west-1", MultiRegion: true, Logging: true}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config(true),
				Check: resource.ComposeAggregateTestCheckFunc(
					noWarning,
					func(*terraform.State) error {
						if n := trailCalls("on"); n < 3 {
							return fmt.Errorf("%d CloudTrail calls, want DescribeTrails, GetTrailStatus and GetEventSelectors", n)
						}
						return nil
					},
				),
			},
		},
	})
}
