package validators

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// PrintableASCII accepts strings of printable ASCII characters (space to ~), the characters a
// generated password can hold.
func PrintableASCII() validator.String {
	return stringCheck{
		summary:     "Invalid characters",
		description: "must hold only printable ASCII characters (space to ~)",
		problem: func(value string) string {
			for i, r := range value {
				if r < ' ' || r > '~' {
					return fmt.Sprintf("character %d is %q", i+1, r)
				}
			}
			return ""
		},
	}
}
