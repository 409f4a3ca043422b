package clerkfake

import (
	"encoding/json"
	"fmt"
)

// metadataJSON marshals a metadata map; Clerk always sends an object, {} when empty.
func metadataJSON(m map[string]any) json.RawMessage {
	if len(m) == 0 {
		return json.RawMessage(`{}`)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("clerkfake: metadata is not JSON: %v", err))
	}
	return b
}

// MergeMetadata merges patch into one metadata container of a user or
// organization the way Clerk's PATCH …/metadata does: keys set, a null
// removing a key, nested objects merged. The demo's "Apply this change"
// plays a person's guided fix through it.
func (s *Server) MergeMetadata(kind, id, container string, patch map[string]any) error {
	s.mu.Lock()
	var current json.RawMessage
	found := false
	switch kind {
	case "user":
		for _, u := range s.users {
			if u.ID == id {
				found = true
				switch container {
				case "public_metadata":
					current = u.PublicMetadata
				case "private_metadata":
					current = u.PrivateMetadata
				case "unsafe_metadata":
					current = u.UnsafeMetadata
				}
			}
		}
	case "organization":
		for _, o := range s.orgs {
			if o.ID == id {
				found = true
				switch container {
				case "public_metadata":
					current = o.PublicMetadata
				case "private_metadata":
					current = o.PrivateMetadata
				}
			}
		}
	}
	s.mu.Unlock()
	if !found {
		return fmt.Errorf("clerkfake: no %s %q", kind, id)
	}
	m := map[string]any{}
	if len(current) > 0 {
		if err := json.Unmarshal(current, &m); err != nil {
			return err
		}
	}
	mergeInto(m, patch)
	if kind == "user" {
		return s.SetUserMetadata(id, container, m)
	}
	return s.SetOrganizationMetadata(id, container, m)
}

func mergeInto(dst, patch map[string]any) {
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(dst, k)
		case map[string]any:
			if dv, ok := dst[k].(map[string]any); ok {
				mergeInto(dv, pv)
				continue
			}
			dst[k] = pv
		default:
			dst[k] = v
		}
	}
}
