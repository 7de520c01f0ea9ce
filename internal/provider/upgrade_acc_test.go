package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
)

// buildProvider builds the provider binary of the source tree src (with its rotator zips) into a
// directory of its own, for a dev_overrides entry, and returns that directory.
func buildProvider(t *testing.T, src string) string {
	t.Helper()
	root := t.TempDir()
	out := filepath.Join(root, "bin")
	if err := os.MkdirAll(out, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"go", "generate", "./internal/rotator/artifact"},
		{"go", "build", "-o", filepath.Join(out, "terraform-provider-secretsbundle"), "."},
	} {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = src
		if output, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v in %s: %v\n%s", args, src, err, output)
		}
	}
	// The rotator zips' hashes, for sameRotator.
	hashes, err := filepath.Glob(filepath.Join(src, "internal", "rotator", "artifact", "*.zip.sha256"))
	if err != nil || len(hashes) == 0 {
		t.Fatalf("no rotator hashes in %s: %v", src, err)
	}
	var all []byte
	for _, h := range hashes {
		content, err := os.ReadFile(h)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, content...)
	}
	if err := os.WriteFile(filepath.Join(root, "rotator.sha256"), all, 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// releaseTree extracts the git ref's tree of this repository, the release a user upgrades from.
func releaseTree(t *testing.T, ref string) string {
	t.Helper()
	dir := t.TempDir()
	archive := exec.Command("git", "archive", "--format=tar", ref)
	archive.Dir = "../.."
	tarball, err := archive.Output()
	if err != nil {
		t.Fatalf("git archive %s: %v", ref, err)
	}
	extract := exec.Command("tar", "-x", "-C", dir)
	extract.Stdin = bytes.NewReader(tarball)
	if output, err := extract.CombinedOutput(); err != nil {
		t.Fatalf("extracting %s: %v\n%s", ref, err, output)
	}
	return dir
}

// terraformWith runs the terraform CLI in dir with the provider binary in bin (a dev_overrides
// entry), returning its exit code and output.
func terraformWith(t *testing.T, dir, bin string, args ...string) (int, string) {
	t.Helper()
	cliConfig := filepath.Join(t.TempDir(), "terraformrc")
	content := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"secretsbundle/secretsbundle\" = %q\n  }\n  direct {}\n}\n", bin)
	if err := os.WriteFile(cliConfig, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("terraform", append([]string{"-chdir=" + dir}, args...)...)
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1")
	output, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), string(output)
	}
	if err != nil {
		t.Fatalf("terraform %v: %v", args, err)
	}
	return 0, string(output)
}

// TestAccRDSSecret_upgradeFromRelease applies a bundle with the release users have (the tree of
// UPGRADE_FROM_REF, default previousRelease) and plans it with this tree's provider: the plan is empty, or,
// when the rotator's build differs, only the rotator's redeploy in place, after which it is empty.
// In particular the rotator role keeps the name it was created with, although new roles now carry
// the region in theirs (no replacement on upgrade, no state upgrade).
// previousRelease is the last commit of main that landed before the day-2 work (issues 19-24): the
// provider a user upgrades from. "main" would be this tree itself once it lands.
const previousRelease = "95704f09e42632f5641d6b8a6e8bf6de57c80af2"

func TestAccRDSSecret_upgradeFromRelease(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("builds two provider binaries and runs terraform: runs with TF_ACC=1 (make test)")
	}
	ref := os.Getenv("UPGRADE_FROM_REF")
	if ref == "" {
		ref = previousRelease
	}
	proxy := startProxy(t)
	db := newTestDatabase(t)
	release := buildProvider(t, releaseTree(t, ref))
	current := buildProvider(t, "../..")
	dir := t.TempDir()
	name := acctest.RandomWithPrefix("tf-acc-upgrade")
	config := `
terraform {
  required_providers {
    secretsbundle = {
      source = "secretsbundle/secretsbundle"
    }
  }
}
` + rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", "")+`
  deletion_alert = {
    email_addresses = ["oncall@example.com"]
  }
`)
	// The release does not know the endpoints of services added since (redshift): its provider
	// block leaves them out.
	config = regexp.MustCompile(`(?m)^\s*redshift\s*=.*\n`).ReplaceAllString(config, "")
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, output := terraformWith(t, dir, release, "apply", "-auto-approve"); code != 0 {
		t.Fatalf("apply with the release of %s failed (%d):\n%s", ref, code, output)
	}
	t.Cleanup(func() {
		if code, output := terraformWith(t, dir, current, "destroy", "-auto-approve"); code != 0 {
			t.Errorf("destroy with this tree's provider failed (%d):\n%s", code, output)
		}
		client := testAWS(t)
		if left := leftovers(context.Background(), client, name); len(left) > 0 {
			t.Errorf("after the destroy, %s has %v", name, left)
		}
		// The role of the release's naming, without the region.
		if _, err := client.IAM.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("secretsbundle-rotator-" + name)}); err == nil {
			t.Errorf("the release's role secretsbundle-rotator-%s outlived the destroy", name)
		}
	})
	// The release named the role without the region; this tree names new roles with it.
	formerRole := "secretsbundle-rotator-" + name
	if _, err := testAWS(t).IAM.GetRole(t.Context(), &iam.GetRoleInput{RoleName: aws.String(formerRole)}); err != nil {
		t.Fatalf("the release of %s did not make the role %s: %v", ref, formerRole, err)
	}
	// -detailed-exitcode: 0 is an empty plan, 2 a plan with changes. A release whose rotator
	// differs from this tree's (or that predates the rotation alert) updates in place (rotation_code_sha256, and the
	// attributes an update refreshes); nothing else may change, and after that apply the plan is
	// empty.
	code, output := terraformWith(t, dir, current, "plan", "-detailed-exitcode", "-no-color", "-out=upgrade.tfplan")
	switch {
	case code == 0:
	case code == 2 && !sameRotator(t, release, current):
		checkOnlyRotatorRedeploy(t, dir, current)
		if code, output := terraformWith(t, dir, current, "apply", "-no-color", "upgrade.tfplan"); code != 0 {
			t.Fatalf("applying the rotator's redeploy failed (%d):\n%s", code, output)
		}
		if code, output = terraformWith(t, dir, current, "plan", "-detailed-exitcode", "-no-color"); code != 0 {
			t.Fatalf("after the rotator's redeploy, the plan is not empty (exit %d):\n%s", code, output)
		}
	default:
		t.Fatalf("after upgrading from %s, the plan is not empty (exit %d):\n%s", ref, code, output)
	}
	t.Logf("plan after upgrading from %s:\n%s", ref, output)
}

// sameRotator reports whether two provider builds embed the same rotator zips (their hashes, as
// go generate wrote them beside the zips of each tree).
func sameRotator(t *testing.T, releaseBin, currentBin string) bool {
	t.Helper()
	release, err := os.ReadFile(filepath.Join(releaseBin, "..", "rotator.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	current, err := os.ReadFile(filepath.Join(currentBin, "..", "rotator.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(release, current)
}

// checkOnlyRotatorRedeploy reads the saved plan: one in-place update whose only changes are the
// rotator's hash and what an update refreshes.
func checkOnlyRotatorRedeploy(t *testing.T, dir, bin string) {
	t.Helper()
	code, output := terraformWith(t, dir, bin, "show", "-json", "upgrade.tfplan")
	if code != 0 {
		t.Fatalf("terraform show: %d\n%s", code, output)
	}
	var plan struct {
		ResourceChanges []struct {
			Address string
			Change  struct {
				Actions      []string
				Before       map[string]any
				After        map[string]any
				AfterUnknown map[string]any `json:"after_unknown"`
			}
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(output[strings.Index(output, "{"):]), &plan); err != nil {
		t.Fatalf("the plan is not JSON: %v", err)
	}
	refreshed := map[string]bool{"rotation_code_sha256": true, "version_id": true, "last_rotated_date": true, "next_rotation_date": true, "last_rotation_error": true, "rotation_enabled": true,
		// The watch added since the release (issue 20): the rotation alert is on by default, so
		// the upgrade adds its rule in place and puts the topic's policy again (it names every
		// rule); the new blocks appear with their defaults.
		"rotation_alert": true, "unexpected_reader_alert": true, "rotation_alert_rule_arn": true, "alert_rule_arn": true, "alert_topic_arn": true, "alert_subscriptions": true}
	for _, rc := range plan.ResourceChanges {
		if len(rc.Change.Actions) != 1 || rc.Change.Actions[0] != "update" {
			t.Fatalf("%s: actions %v after the upgrade; want an update in place (the rotator's redeploy)", rc.Address, rc.Change.Actions)
		}
		for attribute, unknown := range rc.Change.AfterUnknown {
			if unknown == true && !refreshed[attribute] {
				t.Errorf("%s: %s becomes unknown after the upgrade", rc.Address, attribute)
			}
		}
		for attribute, after := range rc.Change.After {
			if before := rc.Change.Before[attribute]; !refreshed[attribute] && fmt.Sprint(before) != fmt.Sprint(after) {
				t.Errorf("%s: %s changes after the upgrade from %v to %v", rc.Address, attribute, before, after)
			}
		}
	}
}
