package clerkfake

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"
)

// OrgSpec describes an organization to add.
type OrgSpec struct {
	ID        string // default: a generated org_… id
	Name      string
	Slug      string // default: derived from Name
	CreatedAt time.Time

	PublicMetadata  map[string]any
	PrivateMetadata map[string]any
}

// AddOrganization adds an organization and returns its id.
func (s *Server) AddOrganization(spec OrgSpec) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.subjectIDLocked(spec.ID, "org_")
	name := spec.Name
	if name == "" {
		name = "Organization " + strconv.Itoa(s.seq)
	}
	slug := spec.Slug
	if slug == "" {
		slug = slugify(name)
	}
	created := s.createdAt(spec.CreatedAt)
	s.orgs = append(s.orgs, &clerksdk.Organization{
		Object:                "organization",
		ID:                    id,
		Name:                  name,
		Slug:                  slug,
		ImageURL:              clerksdk.String("https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9"),
		MaxAllowedMemberships: 5,
		AdminDeleteEnabled:    true,
		PublicMetadata:        metadataJSON(spec.PublicMetadata),
		PrivateMetadata:       metadataJSON(spec.PrivateMetadata),
		CreatedAt:             created,
		UpdatedAt:             created,
	})
	return id
}

// GenerateOrganizations adds n organizations ("Org {i}") like GenerateUsers.
func (s *Server) GenerateOrganizations(n int, meta func(i int) map[string]any) []string {
	return generate(n, meta, func(i int, public map[string]any) string {
		return s.AddOrganization(OrgSpec{Name: fmt.Sprintf("Org %d", i), PublicMetadata: public})
	})
}

// SetOrganizationMetadata is SetUserMetadata for organizations
// (public_metadata or private_metadata).
func (s *Server) SetOrganizationMetadata(id, container string, m map[string]any) error {
	return s.setMetadata("organization", id, container, m)
}

// listOrganizations: {data, total_count}; limit/offset, order_by on
// created_at or name. total_count counts everything matched, not the page.
func (s *Server) listOrganizations(w http.ResponseWriter, q url.Values) {
	if s.opts.OrganizationsDisabled {
		s.orgsDisabled(w)
		return
	}
	limit, offset, ok := s.paging(w, q)
	if !ok {
		return
	}
	field, desc, ok := orderBy(q.Get("order_by"))
	if !ok || (field != "created_at" && field != "name") {
		s.paramError(w, "order_by", "is not a supported ordering (this fake orders organizations by created_at or name)")
		return
	}
	s.mu.Lock()
	orgs := slices.Clone(s.orgs)
	s.mu.Unlock()

	orgs = filterIDs(orgs, q["organization_id"], func(o *clerksdk.Organization) string { return o.ID })
	slices.SortStableFunc(orgs, func(a, b *clerksdk.Organization) int {
		if field == "name" {
			c := strings.Compare(a.Name, b.Name)
			if desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return order(a.CreatedAt, b.CreatedAt, a.ID, b.ID, desc)
	})
	writeJSON(w, http.StatusOK, &clerksdk.OrganizationList{
		Organizations: window(orgs, offset, limit),
		TotalCount:    int64(len(orgs)),
	})
}

func (s *Server) getOrganization(w http.ResponseWriter, idOrSlug string) {
	if s.opts.OrganizationsDisabled {
		s.orgsDisabled(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.orgs {
		if o.ID == idOrSlug || o.Slug == idOrSlug {
			writeJSON(w, http.StatusOK, o)
			return
		}
	}
	s.notFoundLocked(w)
}

func (s *Server) orgsDisabled(w http.ResponseWriter) {
	s.writeError(w, http.StatusForbidden, "organization_not_enabled_in_instance", "Organizations feature is not enabled",
		"The organizations feature is not enabled for this instance. You can enable it at https://dashboard.clerk.com.", nil)
}

func slugify(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
