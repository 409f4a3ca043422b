package clerk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"
)

// Page sizes. 500 is the API description's maximum `limit`; 100 recent
// subjects are plenty to suggest metadata keys.
const (
	pageSize   = 500
	sampleSize = 100
)

// User is what ParityRail needs of a Clerk user.
type User struct {
	ID        string
	Email     string // the primary email address, "" when there is none
	Name      string // first and last name (or the username when both are empty)
	CreatedAt time.Time
	// Metadata as Clerk stores it; numbers are json.Number so large ids and
	// millisecond epochs survive exactly.
	PublicMetadata  map[string]any
	PrivateMetadata map[string]any
	UnsafeMetadata  map[string]any
}

// Organization is what ParityRail needs of a Clerk organization.
// Organizations have no unsafe_metadata.
type Organization struct {
	ID              string
	Name            string
	Slug            string
	CreatedAt       time.Time
	PublicMetadata  map[string]any
	PrivateMetadata map[string]any
}

// Metadata returns one container's map, nil when empty or unknown.
func (u User) Metadata(container string) map[string]any {
	switch container {
	case PublicMetadata:
		return u.PublicMetadata
	case PrivateMetadata:
		return u.PrivateMetadata
	case UnsafeMetadata:
		return u.UnsafeMetadata
	}
	return nil
}

// Metadata returns one container's map; unsafe_metadata is always nil.
func (o Organization) Metadata(container string) map[string]any {
	switch container {
	case PublicMetadata:
		return o.PublicMetadata
	case PrivateMetadata:
		return o.PrivateMetadata
	}
	return nil
}

// TestConnection proves the key works with the cheapest read there is:
// exactly GET /users?limit=1.
func (c *Client) TestConnection(ctx context.Context) error {
	_, err := c.get(ctx, "/users", url.Values{"limit": {"1"}}, "users")
	return err
}

// MetadataSample lists the metadata field paths found on recent subjects,
// sorted and de-duplicated, e.g. "public_metadata.plan".
type MetadataSample struct {
	UserKeys             []string
	OrganizationKeys     []string
	UsersSampled         int
	OrganizationsSampled int
}

// SampleMetadataKeys reads the most recent users (and organizations when
// includeOrgs) and returns every top-level metadata key as <container>.<key>.
func (c *Client) SampleMetadataKeys(ctx context.Context, includeOrgs bool) (MetadataSample, error) {
	var s MetadataSample
	users, err := c.SampleUsers(ctx)
	if err != nil {
		return s, err
	}
	keys := map[string]bool{}
	for _, u := range users {
		for _, ct := range Containers {
			addKeys(keys, ct, u.Metadata(ct))
		}
	}
	s.UsersSampled, s.UserKeys = len(users), sortedKeys(keys)
	if !includeOrgs {
		return s, nil
	}

	orgs, err := c.SampleOrganizations(ctx)
	if err != nil {
		return s, err
	}
	keys = map[string]bool{}
	for _, o := range orgs {
		addKeys(keys, PublicMetadata, o.PublicMetadata)
		addKeys(keys, PrivateMetadata, o.PrivateMetadata)
	}
	s.OrganizationsSampled, s.OrganizationKeys = len(orgs), sortedKeys(keys)
	return s, nil
}

func addKeys(set map[string]bool, container string, m map[string]any) {
	for k := range m {
		set[container+"."+k] = true
	}
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ListOrganizations streams every organization to fn, 500 per request with
// offset (the API description offers no cursor for organizations). Oldest
// first, so organizations created during the walk append at the end instead
// of shifting the pages still to come.
func (c *Client) ListOrganizations(ctx context.Context, fn func(Organization) error) error {
	for offset := 0; ; {
		q := url.Values{
			"limit":    {strconv.Itoa(pageSize)},
			"offset":   {strconv.Itoa(offset)},
			"order_by": {"created_at"},
		}
		data, err := c.get(ctx, "/organizations", q, "organizations")
		if err != nil {
			return err
		}
		orgs, total, err := c.decodeOrganizations(data)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			if err := fn(o); err != nil {
				return err
			}
		}
		offset += len(orgs)
		if len(orgs) < pageSize || int64(offset) >= total {
			return nil
		}
	}
}

// GetUser reads one user for a re-check; IsNotFound(err) when Clerk has none.
func (c *Client) GetUser(ctx context.Context, id string) (User, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return User{}, invalidInput("A Clerk user id is required.")
	}
	return getOne(ctx, c, "/users/"+url.PathEscape(id), "user "+id, func(r *clerksdk.User) string { return r.ID }, toUser)
}

// GetOrganization reads one organization (by id or slug) for a re-check;
// IsNotFound(err) when Clerk has none.
func (c *Client) GetOrganization(ctx context.Context, id string) (Organization, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return Organization{}, invalidInput("A Clerk organization id is required.")
	}
	return getOne(ctx, c, "/organizations/"+url.PathEscape(id), "organization "+id,
		func(r *clerksdk.Organization) string { return r.ID }, toOrganization)
}

// getOne reads the one object at path (what names it in errors): an
// answer without an id, or one that does not convert, is a bad response.
func getOne[R, T any](ctx context.Context, c *Client, path, what string, id func(*R) string, convert func(*R) (T, error)) (T, error) {
	var zero T
	data, err := c.get(ctx, path, nil, what)
	if err != nil {
		return zero, err
	}
	var raw R
	if err := json.Unmarshal(data, &raw); err != nil || id(&raw) == "" {
		return zero, c.badResponse(what, err)
	}
	v, err := convert(&raw)
	if err != nil {
		return zero, c.badResponse(what, err)
	}
	return v, nil
}

func (c *Client) badResponse(what string, cause error) *Error {
	return &Error{
		Code:    CodeBadResponse,
		Status:  200,
		Message: fmt.Sprintf("Clerk's answer for %s at %s could not be read as Clerk Backend API JSON. Check that the API base URL points at Clerk's Backend API (%s).", what, c.host, DefaultBaseURL),
		Err:     cause,
	}
}

// decodeUsers reads GET /users, which answers a bare JSON array: with the
// lean parser (lean.go), or with clerk-sdk's structs when the page is
// anything it does not expect.
func (c *Client) decodeUsers(data []byte) ([]User, error) {
	if users, err := leanUsers(data); err == nil {
		return users, nil
	}
	return c.decodeUsersJSON(data)
}

// decodeUsersJSON reads GET /users through clerk-sdk's User.
func (c *Client) decodeUsersJSON(data []byte) ([]User, error) {
	var raw []*clerksdk.User
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, c.badResponse("users", err)
	}
	out := make([]User, 0, len(raw))
	for _, r := range raw {
		if r == nil || r.ID == "" {
			return nil, c.badResponse("users", fmt.Errorf("user without id"))
		}
		u, err := toUser(r)
		if err != nil {
			return nil, c.badResponse("users", err)
		}
		out = append(out, u)
	}
	return out, nil
}

// decodeOrganizations reads GET /organizations: {"data": [...], "total_count": n}.
func (c *Client) decodeOrganizations(data []byte) ([]Organization, int64, error) {
	var raw clerksdk.OrganizationList
	if err := json.Unmarshal(data, &raw); err != nil || raw.Organizations == nil {
		// "data": [] decodes to an empty, non-nil slice; nil means no "data" at all.
		return nil, 0, c.badResponse("organizations", err)
	}
	out := make([]Organization, 0, len(raw.Organizations))
	for _, r := range raw.Organizations {
		if r == nil || r.ID == "" {
			return nil, 0, c.badResponse("organizations", fmt.Errorf("organization without id"))
		}
		o, err := toOrganization(r)
		if err != nil {
			return nil, 0, c.badResponse("organizations", err)
		}
		out = append(out, o)
	}
	return out, raw.TotalCount, nil
}

func toUser(r *clerksdk.User) (User, error) {
	u := User{ID: r.ID, CreatedAt: time.UnixMilli(r.CreatedAt).UTC()}
	if r.PrimaryEmailAddressID != nil {
		for _, e := range r.EmailAddresses {
			if e != nil && e.ID == *r.PrimaryEmailAddressID {
				u.Email = e.EmailAddress
			}
		}
	}
	u.Name = strings.TrimSpace(deref(r.FirstName) + " " + deref(r.LastName))
	if u.Name == "" {
		u.Name = deref(r.Username)
	}
	var err error
	if u.PublicMetadata, err = decodeMetadata(PublicMetadata, r.PublicMetadata); err != nil {
		return u, err
	}
	if u.PrivateMetadata, err = decodeMetadata(PrivateMetadata, r.PrivateMetadata); err != nil {
		return u, err
	}
	u.UnsafeMetadata, err = decodeMetadata(UnsafeMetadata, r.UnsafeMetadata)
	return u, err
}

func toOrganization(r *clerksdk.Organization) (Organization, error) {
	o := Organization{ID: r.ID, Name: r.Name, Slug: r.Slug, CreatedAt: time.UnixMilli(r.CreatedAt).UTC()}
	var err error
	if o.PublicMetadata, err = decodeMetadata(PublicMetadata, r.PublicMetadata); err != nil {
		return o, err
	}
	o.PrivateMetadata, err = decodeMetadata(PrivateMetadata, r.PrivateMetadata)
	return o, err
}

// decodeMetadata keeps numbers as json.Number: float64 would round Stripe-ish
// big integers and millisecond epochs.
func decodeMetadata(container string, raw json.RawMessage) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s is not a JSON object: %w", container, err)
	}
	return m, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
