package validators

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// stringCheck is a string validator made of a predicate and the sentence that says what is
// allowed; the validators of this package that need no more are built on it.
type stringCheck struct {
	summary     string
	description string
	// problem returns "" for a good value, or what is wrong with it beyond the description.
	problem func(string) string
}

var _ validator.String = stringCheck{}

func (v stringCheck) Description(context.Context) string { return v.description }

func (v stringCheck) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v stringCheck) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	value := req.ConfigValue.ValueString()
	if problem := v.problem(value); problem != "" {
		detail := "Attribute " + req.Path.String() + " " + v.description + ", got " + quote(value)
		if problem != "invalid" {
			detail += ": " + problem
		}
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, detail+".")
	}
}

// quote shows a value in an error, shortened so that a pasted document does not flood the output.
func quote(value string) string {
	const shown = 80
	if len(value) > shown {
		value = value[:shown] + "…"
	}
	return "\"" + value + "\""
}

// Check is a string validator from a predicate: problem returns "" for a good value, or what is
// wrong with it, shown after description ("must be …") under summary. For checks that live with
// the code they guard (a policy document's rules, in bundle).
func Check(summary, description string, problem func(string) string) validator.String {
	return stringCheck{summary: summary, description: description, problem: problem}
}
