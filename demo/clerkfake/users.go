package clerkfake

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/user"
)

// UserSpec describes a user to add; zero fields get realistic defaults.
type UserSpec struct {
	ID        string // default: a generated user_… id
	Email     string // primary email; none when empty
	FirstName string
	LastName  string
	Username  string
	CreatedAt time.Time // default: Options.Now, strictly after the previous subject

	PublicMetadata  map[string]any
	PrivateMetadata map[string]any
	UnsafeMetadata  map[string]any
}

// AddUser adds a user and returns its id.
func (s *Server) AddUser(spec UserSpec) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.subjectIDLocked(spec.ID, "user_")
	created := s.createdAt(spec.CreatedAt)
	u := &clerksdk.User{
		Object:                    "user",
		ID:                        id,
		FirstName:                 optional(spec.FirstName),
		LastName:                  optional(spec.LastName),
		Username:                  optional(spec.Username),
		ImageURL:                  clerksdk.String("https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9"),
		EmailAddresses:            []*clerksdk.EmailAddress{},
		PhoneNumbers:              []*clerksdk.PhoneNumber{},
		Web3Wallets:               []*clerksdk.Web3Wallet{},
		ExternalAccounts:          []*clerksdk.ExternalAccount{},
		SAMLAccounts:              []*clerksdk.SAMLAccount{},
		PublicMetadata:            metadataJSON(spec.PublicMetadata),
		PrivateMetadata:           metadataJSON(spec.PrivateMetadata),
		UnsafeMetadata:            metadataJSON(spec.UnsafeMetadata),
		PasswordEnabled:           true,
		DeleteSelfEnabled:         true,
		CreateOrganizationEnabled: true,
		CreatedAt:                 created,
		UpdatedAt:                 created,
	}
	if spec.Email != "" {
		emailID := fakeID("idn_", s.seq)
		u.PrimaryEmailAddressID = clerksdk.String(emailID)
		u.EmailAddresses = append(u.EmailAddresses, &clerksdk.EmailAddress{
			ID:           emailID,
			Object:       "email_address",
			EmailAddress: spec.Email,
			Verification: &clerksdk.Verification{Status: "verified", Strategy: "admin"},
			LinkedTo:     []*clerksdk.LinkedIdentification{},
		})
	}
	s.users = append(s.users, u)
	return id
}

// GenerateUsers adds n users (user{i}@example.test, i from 1) whose public
// metadata comes from meta(i) when meta is non-nil, and returns their ids.
func (s *Server) GenerateUsers(n int, meta func(i int) map[string]any) []string {
	return generate(n, meta, func(i int, public map[string]any) string {
		return s.AddUser(UserSpec{Email: fmt.Sprintf("user%d@example.test", i), FirstName: "User", LastName: strconv.Itoa(i),
			PublicMetadata: public})
	})
}

// generate adds n subjects through add (i from 1), each with the public
// metadata meta(i) when meta is non-nil, and returns their ids.
func generate(n int, meta func(i int) map[string]any, add func(i int, public map[string]any) string) []string {
	ids := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		var public map[string]any
		if meta != nil {
			public = meta(i)
		}
		ids = append(ids, add(i, public))
	}
	return ids
}

// SetUserMetadata replaces one metadata container of a user — what a person
// does in the Clerk dashboard when applying a guided repair. container is
// public_metadata, private_metadata or unsafe_metadata.
func (s *Server) SetUserMetadata(id, container string, m map[string]any) error {
	return s.setMetadata("user", id, container, m)
}

// listUsers: bare JSON array; limit/offset, order_by on created_at or
// updated_at, the starting_after cursor (with the API description's 422
// rules), the user_id filter (+/- prefixes) and the created_at_after /
// created_at_before window.
func (s *Server) listUsers(w http.ResponseWriter, q url.Values) {
	limit, offset, ok := s.paging(w, q)
	if !ok {
		return
	}
	created, ok := s.createdWindow(w, q)
	if !ok {
		return
	}
	field, desc, ok := orderBy(q.Get("order_by"))
	if !ok || (field != "created_at" && field != "updated_at") {
		s.paramError(w, "order_by", "is not a supported ordering (this fake orders users by created_at or updated_at)")
		return
	}
	cursor := q.Get("starting_after")
	if cursor != "" && field != "created_at" {
		s.paramError(w, "starting_after", "can only be combined with created_at ordering")
		return
	}
	if cursor != "" && offset != 0 {
		s.paramError(w, "starting_after", "cannot be combined with a non-zero offset")
		return
	}

	s.mu.Lock()
	users := slices.Clone(s.users)
	s.mu.Unlock()

	users = filterIDs(users, q["user_id"], func(u *clerksdk.User) string { return u.ID })
	users = slices.DeleteFunc(users, func(u *clerksdk.User) bool { return !created.holds(u.CreatedAt) })
	slices.SortStableFunc(users, func(a, b *clerksdk.User) int {
		ka, kb := a.CreatedAt, b.CreatedAt
		if field == "updated_at" {
			ka, kb = a.UpdatedAt, b.UpdatedAt
		}
		return order(ka, kb, a.ID, b.ID, desc)
	})
	if cursor != "" {
		i := slices.IndexFunc(users, func(u *clerksdk.User) bool { return u.ID == cursor })
		if i < 0 {
			s.paramError(w, "starting_after", "does not match any user")
			return
		}
		users = users[i+1:]
	}
	writeJSON(w, http.StatusOK, window(users, offset, limit))
}

// countUsers answers GET /users/count, which takes the list's filters; the
// fake knows the user_id filter and the created_at window.
func (s *Server) countUsers(w http.ResponseWriter, q url.Values) {
	created, ok := s.createdWindow(w, q)
	if !ok {
		return
	}
	s.mu.Lock()
	users := filterIDs(slices.Clone(s.users), q["user_id"], func(u *clerksdk.User) string { return u.ID })
	s.mu.Unlock()
	n := 0
	for _, u := range users {
		if created.holds(u.CreatedAt) {
			n++
		}
	}
	writeJSON(w, http.StatusOK, &user.TotalCount{Object: "total_count", TotalCount: int64(n)})
}

func (s *Server) getUser(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.ID == id {
			writeJSON(w, http.StatusOK, u)
			return
		}
	}
	s.notFoundLocked(w)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
