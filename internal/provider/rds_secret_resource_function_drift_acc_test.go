package provider

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccRDSSecret_functionDrift changes the rotator's environment outside Terraform (an endpoint
// of someone else's): the next plan shows an update and the apply puts the bundle's environment back.
func TestAccRDSSecret_functionDrift(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-drift")
	config := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", ""))
	var deployed map[string]string
	environment := func(s *terraform.State) (map[string]string, error) {
		a, err := attributes(s)
		if err != nil {
			return nil, err
		}
		out, err := client.Lambda.GetFunctionConfiguration(context.Background(), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(a["rotation_function_arn"])})
		if err != nil {
			return nil, err
		}
		if out.Environment == nil {
			return nil, nil
		}
		return out.Environment.Variables, nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) (err error) {
					deployed, err = environment(s)
					if err == nil && deployed["SECRETS_MANAGER_ENDPOINT"] != proxy.URL() {
						err = fmt.Errorf("the rotator's endpoint is %q, want the provider block's %s", deployed["SECRETS_MANAGER_ENDPOINT"], proxy.URL())
					}
					return err
				},
			},
			{
				Config: config,
				Check: func(s *terraform.State) error {
					a, err := attributes(s)
					if err != nil {
						return err
					}
					changed := maps.Clone(deployed)
					changed["SECRETS_MANAGER_ENDPOINT"] = "https://secretsmanager.attacker.example"
					_, err = client.Lambda.UpdateFunctionConfiguration(context.Background(), &lambda.UpdateFunctionConfigurationInput{
						FunctionName: aws.String(a["rotation_function_arn"]), Environment: &lambdatypes.Environment{Variables: changed}})
					return err
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate)},
				},
				Check: func(s *terraform.State) error {
					now, err := environment(s)
					if err != nil {
						return err
					}
					if !maps.Equal(now, deployed) {
						return fmt.Errorf("the function's environment is %v after the apply, want the bundle's %v back", now, deployed)
					}
					return nil
				},
			},
		},
	})
}
