package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/defaults"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// A nested object is declared once, in its schema; its attribute types and its default value are
// derived from the schema by these helpers, and its model is a typed struct.

// attrTypesOf is the attribute types of a nested object's attributes.
func attrTypesOf(attributes map[string]schema.Attribute) map[string]attr.Type {
	attrTypes := map[string]attr.Type{}
	for name, a := range attributes {
		attrTypes[name] = a.GetType()
	}
	return attrTypes
}

// withDefault makes a nested attribute optional and computed, defaulting to its attributes' defaults.
func withDefault(a schema.SingleNestedAttribute) schema.SingleNestedAttribute {
	a.Optional, a.Computed, a.Default = true, true, objectdefault.StaticValue(defaultOf(a.Attributes))
	return a
}

// defaultOf is the object of the attributes' defaults (null where an attribute has none).
func defaultOf(attributes map[string]schema.Attribute) types.Object {
	ctx := context.Background()
	values := map[string]attr.Value{}
	for name, a := range attributes {
		switch a := a.(type) {
		case schema.StringAttribute:
			resp := defaults.StringResponse{PlanValue: types.StringNull()}
			if a.Default != nil {
				a.Default.DefaultString(ctx, defaults.StringRequest{}, &resp)
			}
			values[name] = resp.PlanValue
		case schema.Int64Attribute:
			resp := defaults.Int64Response{PlanValue: types.Int64Null()}
			if a.Default != nil {
				a.Default.DefaultInt64(ctx, defaults.Int64Request{}, &resp)
			}
			values[name] = resp.PlanValue
		case schema.BoolAttribute:
			resp := defaults.BoolResponse{PlanValue: types.BoolNull()}
			if a.Default != nil {
				a.Default.DefaultBool(ctx, defaults.BoolRequest{}, &resp)
			}
			values[name] = resp.PlanValue
		case schema.SetAttribute:
			resp := defaults.SetResponse{PlanValue: types.SetNull(a.ElementType)}
			if a.Default != nil {
				a.Default.DefaultSet(ctx, defaults.SetRequest{}, &resp)
			}
			values[name] = resp.PlanValue
		case schema.SetNestedAttribute:
			resp := defaults.SetResponse{PlanValue: types.SetNull(a.NestedObject.Type())}
			if a.Default != nil {
				a.Default.DefaultSet(ctx, defaults.SetRequest{}, &resp)
			}
			values[name] = resp.PlanValue
		case schema.SingleNestedAttribute:
			resp := defaults.ObjectResponse{PlanValue: types.ObjectNull(attrTypesOf(a.Attributes))}
			if a.Default != nil {
				a.Default.DefaultObject(ctx, defaults.ObjectRequest{}, &resp)
			}
			values[name] = resp.PlanValue
		default:
			panic(fmt.Sprintf("defaultOf: attribute %s is a %T; add its kind", name, a))
		}
	}
	return types.ObjectValueMust(attrTypesOf(attributes), values)
}
