package bundle

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail"
	cttypes "github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail/types"
)

// TrailWarning checks that some CloudTrail trail logs this region's write management events: the
// deletion alert's rule matches "AWS API Call via CloudTrail" events, which EventBridge receives
// only then. It returns "" when one does, else a warning that names the fix. Trails it cannot
// inspect from this account (an organization's, seen from a member account) count as logging.
func TrailWarning(ctx context.Context, d Deps) string {
	region := d.AWS.Region
	fix := fmt.Sprintf("Create a trail that logs management events in %s, e.g. `aws cloudtrail create-trail --name management-events --s3-bucket-name <bucket> --is-multi-region-trail` then `aws cloudtrail start-logging --name management-events` (the bucket needs CloudTrail's bucket policy), or set deletion_alert.check_trail = false if a trail this check cannot see covers the account.", region)
	out, err := d.AWS.CloudTrail.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if err != nil {
		return fmt.Sprintf("Could not check that a CloudTrail trail logs management events in %s, which the deletion alert needs (EventBridge receives \"AWS API Call via CloudTrail\" events only then): %v. Allow cloudtrail:DescribeTrails, cloudtrail:GetTrailStatus and cloudtrail:GetEventSelectors, or set deletion_alert.check_trail = false.", region, err)
	}
	var notLogging []string
	for _, trail := range out.TrailList {
		id := aws.ToString(trail.TrailARN)
		if id == "" {
			id = aws.ToString(trail.Name)
		}
		status, err := d.AWS.CloudTrail.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(id)})
		if err != nil {
			if aws.ToBool(trail.IsOrganizationTrail) {
				return ""
			}
			notLogging = append(notLogging, fmt.Sprintf("%s (status unreadable: %v)", aws.ToString(trail.Name), err))
			continue
		}
		if !aws.ToBool(status.IsLogging) {
			notLogging = append(notLogging, aws.ToString(trail.Name)+" (not logging)")
			continue
		}
		selectors, err := d.AWS.CloudTrail.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(id)})
		if err != nil || logsWriteManagementEvents(selectors) {
			// A trail that logs but whose selectors cannot be read most likely logs the default:
			// management events.
			return ""
		}
		notLogging = append(notLogging, aws.ToString(trail.Name)+" (its event selectors leave out write management events)")
	}
	found := "no trail exists"
	if len(notLogging) > 0 {
		found = "the trails found do not: " + strings.Join(notLogging, ", ")
	}
	return fmt.Sprintf("The deletion alert can never fire: EventBridge receives \"AWS API Call via CloudTrail\" events only while a CloudTrail trail logs management events in %s, and %s. %s", region, found, fix)
}

// logsWriteManagementEvents reports whether a trail's selectors include write management events.
func logsWriteManagementEvents(out *cloudtrail.GetEventSelectorsOutput) bool {
	if out == nil {
		return true
	}
	for _, s := range out.EventSelectors {
		if aws.ToBool(s.IncludeManagementEvents) && s.ReadWriteType != cttypes.ReadWriteTypeReadOnly {
			return true
		}
	}
	for _, s := range out.AdvancedEventSelectors {
		management, readOnly := false, false
		for _, f := range s.FieldSelectors {
			switch aws.ToString(f.Field) {
			case "eventCategory":
				management = slices.Contains(f.Equals, "Management")
			case "readOnly":
				readOnly = slices.Contains(f.Equals, "true")
			}
		}
		if management && !readOnly {
			return true
		}
	}
	return false
}
