// Package validators holds the framework validators shared by the provider's schemas. Each one
// names the attribute and the allowed values in its error, and makes no AWS call: bad input is
// refused at plan time.
package validators
