package validators

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

type durationValidator struct {
	min, max time.Duration
}

var _ validator.String = durationValidator{}

// DurationBetween accepts Go duration strings ("1h", "90m", "3h30m") from shortest to longest inclusive.
func DurationBetween(shortest, longest time.Duration) validator.String {
	return durationValidator{min: shortest, max: longest}
}

func (v durationValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a duration such as \"1h\" or \"90m\", from %s to %s", shortDuration(v.min), shortDuration(v.max))
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d < v.min || d > v.max {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("Attribute %s %s, got %q.", req.Path, v.Description(ctx), req.ConfigValue.ValueString()))
	}
}

// shortDuration prints 15m0s as 15m and 12h0m0s as 12h.
func shortDuration(d time.Duration) string {
	s := d.String()
	for _, suffix := range []string{"m0s", "h0m"} {
		if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
			s = s[:len(s)-2]
		}
	}
	return s
}
