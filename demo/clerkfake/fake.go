// Package clerkfake is a faithful stand-in for the read side of Clerk's
// Backend API (version 2025-04-10): users and organizations, their metadata,
// paging, auth errors and rate limits. Responses are built from clerk-sdk-go's
// own types so they decode exactly like the real thing. It backs the tests
// and the demo world (served over loopback by the real binary), so it is
// safe for concurrent use and keeps its request log bounded.
//
// The fake is strictly read-only: any method but GET answers 405 and is
// recorded in Violations().
package clerkfake

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/user"
)

// DefaultSecretKey is accepted when Options.SecretKeys is empty.
const DefaultSecretKey = "sk_test_parityrailClerkFake0000000000000000"

const (
	defaultLimit = 10  // the API description's default `limit`
	maxLimit     = 500 // and its maximum
	maxLog       = 10000
)

// Options configures a fake instance.
type Options struct {
	// SecretKeys are the keys accepted as "Authorization: Bearer <key>".
	// Empty means DefaultSecretKey.
	SecretKeys []string
	// Now stamps created_at for subjects added without one (default time.Now).
	Now func() time.Time
	// OrganizationsDisabled makes /organizations answer 403 the way an
	// instance without the Organizations feature does.
	OrganizationsDisabled bool
	// Latency delays every answer, for benchmarks.
	Latency time.Duration
}

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

// OrgSpec describes an organization to add.
type OrgSpec struct {
	ID        string // default: a generated org_… id
	Name      string
	Slug      string // default: derived from Name
	CreatedAt time.Time

	PublicMetadata  map[string]any
	PrivateMetadata map[string]any
}

// Request is one entry of the request log.
type Request struct {
	Method string
	Path   string // as received, e.g. /v1/users
	Query  url.Values
	Status int
}

// Server is the fake. The zero value is not usable; call New.
type Server struct {
	opts Options

	mu          sync.Mutex
	users       []*clerksdk.User
	orgs        []*clerksdk.Organization
	seq         int
	lastCreated int64 // ms; keeps default created_at strictly increasing
	log         []Request
	violations  []Request
	script      []scripted // answers forced onto the next authenticated requests
	traceSeq    int
}

type scripted struct {
	status     int
	retryAfter int // seconds; 0 = no header
}

// New returns an empty fake.
func New(opts Options) *Server {
	if len(opts.SecretKeys) == 0 {
		opts.SecretKeys = []string{DefaultSecretKey}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{opts: opts}
}

// AddUser adds a user and returns its id.
func (s *Server) AddUser(spec UserSpec) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := spec.ID
	if id == "" {
		id = fakeID("user_", s.seq)
	}
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

// AddOrganization adds an organization and returns its id.
func (s *Server) AddOrganization(spec OrgSpec) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := spec.ID
	if id == "" {
		id = fakeID("org_", s.seq)
	}
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

// GenerateUsers adds n users (user{i}@example.test, i from 1) whose public
// metadata comes from meta(i) when meta is non-nil, and returns their ids.
func (s *Server) GenerateUsers(n int, meta func(i int) map[string]any) []string {
	ids := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		spec := UserSpec{
			Email:     fmt.Sprintf("user%d@example.test", i),
			FirstName: "User",
			LastName:  strconv.Itoa(i),
		}
		if meta != nil {
			spec.PublicMetadata = meta(i)
		}
		ids = append(ids, s.AddUser(spec))
	}
	return ids
}

// GenerateOrganizations adds n organizations ("Org {i}") like GenerateUsers.
func (s *Server) GenerateOrganizations(n int, meta func(i int) map[string]any) []string {
	ids := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		spec := OrgSpec{Name: fmt.Sprintf("Org %d", i)}
		if meta != nil {
			spec.PublicMetadata = meta(i)
		}
		ids = append(ids, s.AddOrganization(spec))
	}
	return ids
}

// SetUserMetadata replaces one metadata container of a user — what a person
// does in the Clerk dashboard when applying a guided repair. container is
// public_metadata, private_metadata or unsafe_metadata.
func (s *Server) SetUserMetadata(id, container string, m map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.ID != id {
			continue
		}
		switch container {
		case "public_metadata":
			u.PublicMetadata = metadataJSON(m)
		case "private_metadata":
			u.PrivateMetadata = metadataJSON(m)
		case "unsafe_metadata":
			u.UnsafeMetadata = metadataJSON(m)
		default:
			return fmt.Errorf("clerkfake: unknown metadata container %q", container)
		}
		u.UpdatedAt = max(s.opts.Now().UnixMilli(), u.UpdatedAt+1)
		return nil
	}
	return fmt.Errorf("clerkfake: no user %q", id)
}

// SetOrganizationMetadata is SetUserMetadata for organizations
// (public_metadata or private_metadata).
func (s *Server) SetOrganizationMetadata(id, container string, m map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.orgs {
		if o.ID != id {
			continue
		}
		switch container {
		case "public_metadata":
			o.PublicMetadata = metadataJSON(m)
		case "private_metadata":
			o.PrivateMetadata = metadataJSON(m)
		default:
			return fmt.Errorf("clerkfake: organizations have no %q", container)
		}
		o.UpdatedAt = max(s.opts.Now().UnixMilli(), o.UpdatedAt+1)
		return nil
	}
	return fmt.Errorf("clerkfake: no organization %q", id)
}

// Requests returns the request log (the most recent 10,000), oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Violations returns every request that was not a GET.
func (s *Server) Violations() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// ResetRequests clears the request log (not the violations).
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// ServeHTTP answers like Clerk's Backend API. Paths are accepted with or
// without the /v1 prefix, so the base URL may be srv.URL or srv.URL+"/v1".
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.Latency > 0 {
		select {
		case <-time.After(s.opts.Latency):
		case <-r.Context().Done():
			return
		}
	}
	rec := &statusRecorder{ResponseWriter: w}
	s.serve(rec, r)

	s.mu.Lock()
	defer s.mu.Unlock()
	entry := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Status: rec.status}
	if len(s.log) >= maxLog {
		s.log = slices.Delete(s.log, 0, len(s.log)-maxLog+1)
	}
	s.log = append(s.log, entry)
	if r.Method != http.MethodGet {
		s.violations = append(s.violations, entry)
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		s.writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Method not allowed",
			"This fake Clerk only serves reads; ParityRail must never send "+r.Method+".", nil)
		return
	}
	if !s.authorized(r.Header.Get("Authorization")) {
		s.writeError(w, http.StatusUnauthorized, "authentication_invalid", "Invalid authentication",
			"Unable to authenticate the request, you need to supply an active API key", nil)
		return
	}
	if sc, ok := s.popScript(); ok {
		if sc.status == http.StatusTooManyRequests {
			if sc.retryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(sc.retryAfter))
			}
			s.writeError(w, sc.status, "too_many_requests", "Too many requests",
				"Too many requests, please try again later.", nil)
			return
		}
		s.writeError(w, sc.status, "internal_clerk_error", "Oops, an unexpected error occurred",
			"There was an internal error on our servers. We've been notified and are working on fixing it.", nil)
		return
	}

	path := strings.TrimPrefix(r.URL.Path, "/v1")
	q := r.URL.Query()
	switch {
	case path == "/users":
		s.listUsers(w, q)
	case path == "/users/count":
		s.countUsers(w)
	case strings.HasPrefix(path, "/users/") && !strings.Contains(path[len("/users/"):], "/"):
		s.getUser(w, path[len("/users/"):])
	case path == "/organizations":
		s.listOrganizations(w, q)
	case strings.HasPrefix(path, "/organizations/") && !strings.Contains(path[len("/organizations/"):], "/"):
		s.getOrganization(w, path[len("/organizations/"):])
	default:
		s.notFound(w)
	}
}

func (s *Server) authorized(header string) bool {
	key, ok := strings.CutPrefix(header, "Bearer ")
	return ok && key != "" && slices.Contains(s.opts.SecretKeys, key)
}

// listUsers: bare JSON array; limit/offset, order_by on created_at or
// updated_at, the starting_after cursor (with the API description's 422
// rules), and the user_id filter (+/- prefixes).
func (s *Server) listUsers(w http.ResponseWriter, q url.Values) {
	limit, offset, ok := s.paging(w, q)
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

func (s *Server) countUsers(w http.ResponseWriter) {
	s.mu.Lock()
	n := len(s.users)
	s.mu.Unlock()
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

// paging reads limit (1–500, default 10) and offset (≥ 0) as the API
// description defines them; out of range is a 422 like Clerk's.
func (s *Server) paging(w http.ResponseWriter, q url.Values) (limit, offset int, ok bool) {
	limit, offset = defaultLimit, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			s.paramError(w, "limit", "must be an integer between 1 and 500")
			return 0, 0, false
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.paramError(w, "offset", "must be an integer greater or equal to zero")
			return 0, 0, false
		}
		offset = n
	}
	return limit, offset, true
}

// orderBy parses [+|-]field, default -created_at. A literal "+" that arrived
// unencoded decodes to a space, which is read as "+" too.
func orderBy(v string) (field string, desc bool, ok bool) {
	if v == "" {
		return "created_at", true, true
	}
	switch {
	case strings.HasPrefix(v, "-"):
		desc, v = true, v[1:]
	case strings.HasPrefix(v, "+"), strings.HasPrefix(v, " "):
		v = v[1:]
	}
	return v, desc, v != ""
}

// order sorts by key then id, so equal timestamps still page deterministically.
func order(ka, kb int64, ida, idb string, desc bool) int {
	c := 0
	switch {
	case ka < kb:
		c = -1
	case ka > kb:
		c = 1
	default:
		c = strings.Compare(ida, idb)
	}
	if desc {
		return -c
	}
	return c
}

// filterIDs applies Clerk's id filters: plain or "+id" includes, "-id" excludes.
func filterIDs[T any](items []T, filters []string, id func(T) string) []T {
	if len(filters) == 0 {
		return items
	}
	var include, exclude []string
	for _, f := range filters {
		switch {
		case strings.HasPrefix(f, "-"):
			exclude = append(exclude, f[1:])
		case strings.HasPrefix(f, "+"):
			include = append(include, f[1:])
		default:
			include = append(include, f)
		}
	}
	return slices.DeleteFunc(items, func(t T) bool {
		i := id(t)
		return slices.Contains(exclude, i) || (len(include) > 0 && !slices.Contains(include, i))
	})
}

// window returns items[offset:offset+limit], never nil (an empty page is []).
func window[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return []T{}
	}
	return items[offset:min(offset+limit, len(items))]
}

func (s *Server) paramError(w http.ResponseWriter, param, problem string) {
	meta, _ := json.Marshal(map[string]string{"param_name": param})
	s.writeError(w, http.StatusUnprocessableEntity, "form_param_value_invalid", param+" is invalid",
		param+" "+problem+".", meta)
}

func (s *Server) notFound(w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notFoundLocked(w)
}

func (s *Server) notFoundLocked(w http.ResponseWriter) {
	s.writeErrorLocked(w, http.StatusNotFound, "resource_not_found", "not found", "Resource not found", nil)
}

func (s *Server) writeError(w http.ResponseWriter, status int, code, msg, long string, meta json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeErrorLocked(w, status, code, msg, long, meta)
}

// writeErrorLocked answers with Clerk's error shape (ClerkErrors in the API
// description): {"errors": [{message, long_message, code, meta}], "clerk_trace_id"}.
func (s *Server) writeErrorLocked(w http.ResponseWriter, status int, code, msg, long string, meta json.RawMessage) {
	s.traceSeq++
	trace := fmt.Sprintf("%032x", s.traceSeq)
	w.Header().Set("Clerk-Trace-Id", trace)
	writeJSON(w, status, &clerksdk.APIErrorResponse{
		Errors:  []clerksdk.Error{{Code: code, Message: msg, LongMessage: long, Meta: meta}},
		TraceID: trace,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// createdAt returns t in Clerk's unit (ms), or a default strictly after the
// previous subject so default orderings are stable. Caller holds s.mu.
func (s *Server) createdAt(t time.Time) int64 {
	if !t.IsZero() {
		return t.UnixMilli()
	}
	ms := max(s.opts.Now().UnixMilli(), s.lastCreated+1)
	s.lastCreated = ms
	return ms
}

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

// fakeID makes a stable Clerk-looking id: prefix + 27 base62 characters.
func fakeID(prefix string, seq int) string {
	sum := sha256.Sum256([]byte(prefix + strconv.Itoa(seq)))
	s := new(big.Int).SetBytes(sum[:]).Text(62)
	return prefix + s[:27]
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
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

// statusRecorder remembers the status for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
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
