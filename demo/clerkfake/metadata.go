package clerkfake

import (
	"encoding/json"
	"fmt"
	"slices"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"
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
	return s.editMetadata(kind, id, container, func(current json.RawMessage) (map[string]any, error) {
		m := map[string]any{}
		if len(current) > 0 {
			if err := json.Unmarshal(current, &m); err != nil {
				return nil, err
			}
		}
		mergeInto(m, patch)
		return m, nil
	})
}

// editMetadata replaces one metadata container of a user or organization
// with what edit makes of it, and moves the subject's updated_at on
// (strictly later than before, so a change always shows).
func (s *Server) editMetadata(kind, id, container string, edit func(current json.RawMessage) (map[string]any, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	field, updatedAt, err := s.metadataLocked(kind, id, container)
	if err != nil {
		return err
	}
	m, err := edit(*field)
	if err != nil {
		return err
	}
	*field = metadataJSON(m)
	*updatedAt = max(s.opts.Now().UnixMilli(), *updatedAt+1)
	return nil
}

// setMetadata replaces one metadata container of a user or organization.
func (s *Server) setMetadata(kind, id, container string, m map[string]any) error {
	return s.editMetadata(kind, id, container, func(json.RawMessage) (map[string]any, error) { return m, nil })
}

// metadataLocked finds one metadata container of a user or organization
// (kind "user" or "organization") and the subject's updated_at.
// Organizations have no unsafe_metadata.
func (s *Server) metadataLocked(kind, id, container string) (*json.RawMessage, *int64, error) {
	var containers map[string]*json.RawMessage
	var updatedAt *int64
	switch kind {
	case "user":
		if i := slices.IndexFunc(s.users, func(u *clerksdk.User) bool { return u.ID == id }); i >= 0 {
			u := s.users[i]
			containers = map[string]*json.RawMessage{"public_metadata": &u.PublicMetadata,
				"private_metadata": &u.PrivateMetadata, "unsafe_metadata": &u.UnsafeMetadata}
			updatedAt = &u.UpdatedAt
		}
	case "organization":
		if i := slices.IndexFunc(s.orgs, func(o *clerksdk.Organization) bool { return o.ID == id }); i >= 0 {
			o := s.orgs[i]
			containers = map[string]*json.RawMessage{"public_metadata": &o.PublicMetadata, "private_metadata": &o.PrivateMetadata}
			updatedAt = &o.UpdatedAt
		}
	}
	if containers == nil {
		return nil, nil, fmt.Errorf("clerkfake: no %s %q", kind, id)
	}
	field, ok := containers[container]
	if !ok {
		return nil, nil, fmt.Errorf("clerkfake: %ss have no %q", kind, container)
	}
	return field, updatedAt, nil
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
