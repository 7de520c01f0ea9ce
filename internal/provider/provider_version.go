package provider

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// MinTerraformVersion is the oldest Terraform CLI the provider supports: write-only arguments
// (credentials.password_wo) need 1.11, the ephemeral resource secretsbundle_secret_value 1.10.
const MinTerraformVersion = "1.11.0"

// checkTerraformVersion refuses a Terraform CLI older than MinTerraformVersion with one clear
// error, instead of the schema errors an old CLI would meet later. An empty version (a client that
// does not say) passes.
func checkTerraformVersion(version string) diag.Diagnostics {
	var diags diag.Diagnostics
	if version == "" {
		return diags
	}
	got, ok := majorMinor(version)
	want, _ := majorMinor(MinTerraformVersion)
	if !ok || got[0] > want[0] || (got[0] == want[0] && got[1] >= want[1]) {
		return diags
	}
	diags.AddError("Terraform 1.11 or later is required",
		fmt.Sprintf("This is Terraform %s. The secretsbundle provider needs Terraform %s or later: its write-only arguments "+
			"(credentials.password_wo, never stored in plan or state) need 1.11, and the ephemeral resource "+
			"secretsbundle_secret_value needs 1.10. Upgrade Terraform (https://developer.hashicorp.com/terraform/install), "+
			"and state it in the configuration with required_version = \">= 1.11\" in the terraform block.",
			version, strings.TrimSuffix(MinTerraformVersion, ".0")))
	return diags
}

// majorMinor parses the major and minor numbers of a version such as 1.10.5 or 1.11.0-beta1.
func majorMinor(version string) ([2]int, bool) {
	parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	if len(parts) < 2 {
		return [2]int{}, false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	return [2]int{major, minor}, err1 == nil && err2 == nil
}
