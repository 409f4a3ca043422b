package clerk

import (
	"fmt"
	"strings"
)

// The three metadata containers a field path may name.
const (
	PublicMetadata  = "public_metadata"
	PrivateMetadata = "private_metadata"
	UnsafeMetadata  = "unsafe_metadata"
)

// Containers lists the metadata containers in the order the UI shows them.
var Containers = []string{PublicMetadata, PrivateMetadata, UnsafeMetadata}

// FieldPath names one metadata value: <container>.<key>,
// e.g. public_metadata.stripe_customer_id.
type FieldPath struct {
	Container string
	Key       string
}

func (p FieldPath) String() string { return p.Container + "." + p.Key }

// ParseFieldPath reads "<container>.<key>". The first dot separates the
// container; everything after it is the key, dots included, so
// "public_metadata.billing.plan" is key "billing.plan" (see Lookup for how
// such a key is resolved).
func ParseFieldPath(s string) (FieldPath, error) {
	s = strings.TrimSpace(s)
	container, key, _ := strings.Cut(s, ".")
	switch container {
	case PublicMetadata, PrivateMetadata, UnsafeMetadata:
	default:
		return FieldPath{}, invalidInput("%q is not a Clerk metadata field path: it must start with public_metadata, private_metadata or unsafe_metadata, then a dot and the key (e.g. public_metadata.plan).", s)
	}
	if strings.TrimSpace(key) == "" {
		return FieldPath{}, invalidInput("%q has no key after %s. — add the metadata key, e.g. %s.plan.", s, container, container)
	}
	return FieldPath{Container: container, Key: key}, nil
}

// MustParseFieldPath is ParseFieldPath for constants in code and tests.
func MustParseFieldPath(s string) FieldPath {
	p, err := ParseFieldPath(s)
	if err != nil {
		panic(fmt.Sprintf("clerk.MustParseFieldPath: %v", err))
	}
	return p
}

// Subject is a Clerk user or organization.
type Subject interface {
	Metadata(container string) map[string]any
}

// Lookup returns the value at path and whether it is present (a JSON null is
// present with a nil value). A key is first looked up literally — Clerk
// metadata keys may themselves contain dots; only when that misses and the
// key has dots is it followed as a path through nested objects, so
// public_metadata.billing.plan reads {"billing": {"plan": …}}.
func Lookup(s Subject, path FieldPath) (any, bool) {
	m := s.Metadata(path.Container)
	if v, ok := m[path.Key]; ok {
		return v, true
	}
	if !strings.Contains(path.Key, ".") {
		return nil, false
	}
	var cur any = m
	for _, part := range strings.Split(path.Key, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}
