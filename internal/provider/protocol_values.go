package provider

import (
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// object is an object value Terraform sent (a configuration, a plan, a
// state), decoded once, attribute by attribute; the accessors read known
// values and give the zero value for a null or unknown one.
type object map[string]tftypes.Value

// decodeObject decodes dv as an object of typ; nil for a null object (no
// prior state on create, no planned state on destroy).
func decodeObject(dv *tfprotov6.DynamicValue, typ tftypes.Object) (object, error) {
	if dv == nil {
		return nil, nil
	}
	v, err := dv.Unmarshal(typ)
	if err != nil || v.IsNull() {
		return nil, err
	}
	o := object{}
	if err := v.As((*map[string]tftypes.Value)(&o)); err != nil {
		return nil, err
	}
	return o, nil
}

// encode is o as an object of typ; a nil o is the null object.
func (o object) encode(typ tftypes.Object) (*tfprotov6.DynamicValue, error) {
	v := tftypes.NewValue(typ, nil)
	if o != nil {
		v = tftypes.NewValue(typ, map[string]tftypes.Value(o))
	}
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	return &dv, err
}

// set is a value of o, known or not.
func (o object) set(name string, v tftypes.Value) { o[name] = v }

// isSet reports whether the attribute is known and not null.
func (o object) isSet(name string) bool {
	v := o[name]
	return v.IsKnown() && !v.IsNull()
}

func (o object) str(name string) string {
	var s string
	if o.isSet(name) {
		_ = o[name].As(&s)
	}
	return s
}

func (o object) boolean(name string) bool {
	var b bool
	if o.isSet(name) {
		_ = o[name].As(&b)
	}
	return b
}

// number is the attribute as the framework's type, which the validators and
// the plan checks take.
func (o object) number(name string) types.Number {
	v := o[name]
	switch {
	case !v.IsKnown():
		return types.NumberUnknown()
	case v.IsNull():
		return types.NumberNull()
	}
	f := new(big.Float)
	_ = v.As(&f)
	return types.NumberValue(f)
}

// text is the attribute as the framework's type, which the validators and
// the domain lookup take.
func (o object) text(name string) types.String {
	v := o[name]
	switch {
	case !v.IsKnown():
		return types.StringUnknown()
	case v.IsNull():
		return types.StringNull()
	}
	var s string
	_ = v.As(&s)
	return types.StringValue(s)
}

// target is the CDN resource o names, by resource_id or cname.
func (o object) target() cdnTarget {
	return cdnTarget{ResourceID: o.number(attrResourceID), CName: o.text(attrCName)}
}

// stringMap reads a map of strings; known is false while the map or any of
// its values is unknown. A null map is empty.
func (o object) stringMap(name string) (m map[string]string, known bool) {
	v := o[name]
	if !v.IsKnown() {
		return nil, false
	}
	var elems map[string]tftypes.Value
	if !v.IsNull() {
		_ = v.As(&elems)
	}
	m = make(map[string]string, len(elems))
	for k, e := range elems {
		if !e.IsKnown() {
			return nil, false
		}
		var s string
		_ = e.As(&s)
		m[k] = s
	}
	return m, true
}

// stringList reads a list of strings; known is false while it is unknown.
func (o object) stringList(name string) (list []string, known bool) {
	v := o[name]
	if !v.IsKnown() {
		return nil, false
	}
	var elems []tftypes.Value
	if !v.IsNull() {
		_ = v.As(&elems)
	}
	for _, e := range elems {
		var s string
		_ = e.As(&s)
		list = append(list, s)
	}
	return list, true
}

// block is a nested block of o as an object; nil when it is absent.
func (o object) block(name string) object {
	if !o.isSet(name) {
		return nil
	}
	b := object{}
	_ = o[name].As((*map[string]tftypes.Value)(&b))
	return b
}

var (
	stringMapType  = tftypes.Map{ElementType: tftypes.String}
	stringListType = tftypes.List{ElementType: tftypes.String}
)

func stringValue(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func boolValue(b bool) tftypes.Value { return tftypes.NewValue(tftypes.Bool, b) }

func intValue(n int) tftypes.Value { return tftypes.NewValue(tftypes.Number, big.NewFloat(float64(n))) }

func unknownValue(t tftypes.Type) tftypes.Value { return tftypes.NewValue(t, tftypes.UnknownValue) }

func nullValue(t tftypes.Type) tftypes.Value { return tftypes.NewValue(t, nil) }

func stringMapValue(m map[string]string) tftypes.Value {
	elems := make(map[string]tftypes.Value, len(m))
	for k, v := range m {
		elems[k] = stringValue(v)
	}
	return tftypes.NewValue(stringMapType, elems)
}

func stringListValue(list []string) tftypes.Value {
	elems := make([]tftypes.Value, len(list))
	for i, s := range list {
		elems[i] = stringValue(s)
	}
	return tftypes.NewValue(stringListType, elems)
}
