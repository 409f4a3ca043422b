// Package ledger defines the Access Ledger's entries and its hash chain.
//
// The ledger is append-only (SQLite triggers refuse UPDATE and DELETE, see
// db/ledger.go) and every project has its own chain: entry n carries the hash
// of entry n-1 and its own hash over that and its canonical content. Anyone
// who edits, removes or reorders an entry behind the triggers' back breaks a
// link that Verify reports. The package is pure: storage lives in db.
package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Kind is what an entry records.
type Kind string

const (
	BillingEvent         Kind = "billing_event"         // a verified Stripe webhook event for the customer
	PromiseChanged       Kind = "promise_changed"       // what Stripe promises the customer changed
	CheckStarted         Kind = "check_started"         // a fulfillment check began
	CheckFinished        Kind = "check_finished"        // … and finished, with its counts
	CheckFailed          Kind = "check_failed"          // … or failed (a source error, or interrupted)
	IncidentOpened       Kind = "incident_opened"       // a gap was found and filed
	IncidentUpdated      Kind = "incident_updated"      // the same gap, with different values (or reopened)
	IncidentAcknowledged Kind = "incident_acknowledged" // a person acknowledged it
	IncidentIgnored      Kind = "incident_ignored"      // a person ignored it, with a reason
	IncidentResolved     Kind = "incident_resolved"     // the promise holds again
	RepairProposed       Kind = "repair_proposed"       // a repair was suggested (repairs)
	RepairApproved       Kind = "repair_approved"       // … approved and applied, before/after
	RepairRejected       Kind = "repair_rejected"       // … rejected, who and why
	RepairFailed         Kind = "repair_failed"         // … could not be applied
	Verification         Kind = "verification"          // a re-check after a fix: held or still wrong
	// ProjectLive: onboarding finished (step 8): the schedules, whether
	// repairs may write, and the first real check.
	ProjectLive Kind = "project_live"
	// ConnectionVerified: a Stripe key, Clerk key or database connection
	// passed its test and was stored (masked labels only, never a secret).
	ConnectionVerified Kind = "connection_verified"
	// PolicyChanged: an admin saved another grant policy, before → after
	// with both versions (checks judge under it from then on).
	PolicyChanged Kind = "policy_changed"
)

// Entry is one ledger line. Detail is canonical JSON (see Canonical).
type Entry struct {
	Seq        int64           `json:"seq"`
	ProjectID  string          `json:"project_id"`
	N          int64           `json:"n"` // position in the project's chain, from 1
	At         time.Time       `json:"at"`
	Kind       Kind            `json:"kind"`
	CustomerID string          `json:"customer_id,omitempty"`
	SubjectKey string          `json:"subject_key,omitempty"`
	IncidentID string          `json:"incident_id,omitempty"`
	CheckID    string          `json:"check_id,omitempty"`
	Actor      string          `json:"actor,omitempty"` // a user id, or "schedule", "webhook", "system", "cli"
	Detail     json.RawMessage `json:"detail"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// Genesis is the previous hash of a project's first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// TimeFormat is how At is stored and hashed.
const TimeFormat = time.RFC3339Nano

// Hash is the entry's hash: SHA-256 over the previous hash and every stored
// field but seq (the global row number) and the hash itself, encoded as
// encoding/json encodes the array
//
//	[prev_hash, project_id, n, at, kind, customer_id, subject_key,
//	 incident_id, check_id, actor, detail]
//
// (hashContent writes those bytes directly; canonical_test.go checks it
// against json.Marshal of that array).
func Hash(e Entry) string {
	sum := sha256.Sum256(hashContent(e))
	return hex.EncodeToString(sum[:])
}

func hashContent(e Entry) []byte {
	b := make([]byte, 0, 256+len(e.Detail)+len(e.Detail)/4)
	b = append(b, '[')
	b = appendJSONString(b, e.PrevHash)
	b = append(b, ',')
	b = appendJSONString(b, e.ProjectID)
	b = append(b, ',')
	b = strconv.AppendInt(b, e.N, 10)
	for _, s := range [...]string{e.At.UTC().Format(TimeFormat), string(e.Kind), e.CustomerID, e.SubjectKey, e.IncidentID,
		e.CheckID, e.Actor} {
		b = append(b, ',')
		b = appendJSONString(b, s)
	}
	b = append(b, ',')
	b = appendJSONString(b, []byte(e.Detail))
	return append(b, ']')
}

// appendJSONString appends s as encoding/json encodes a string (HTML
// characters escaped). Printable ASCII is written here; a string with any
// other byte is left to encoding/json.
func appendJSONString[T string | []byte](b []byte, s T) []byte {
	start := len(b)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '"':
			b = append(b, '\\', '"')
		case ch == '\\':
			b = append(b, '\\', '\\')
		case ch == '<':
			b = append(b, `\u003c`...)
		case ch == '>':
			b = append(b, `\u003e`...)
		case ch == '&':
			b = append(b, `\u0026`...)
		case ch < 0x20 || ch >= 0x7f:
			enc, _ := json.Marshal(string(s)) // a string always encodes
			return append(b[:start], enc...)
		default:
			b = append(b, ch)
		}
	}
	return append(b, '"')
}

// Seal sets e.PrevHash and e.Hash given the previous entry's hash (Genesis
// for the first).
func Seal(e *Entry, prev string) {
	e.PrevHash = prev
	e.Hash = Hash(*e)
}

// Break describes the first broken link of a chain.
type Break struct {
	ProjectID string `json:"project_id"`
	Seq       int64  `json:"seq"`
	N         int64  `json:"n"`
	Reason    string `json:"reason"`
}

func (b *Break) Error() string {
	return fmt.Sprintf("project %s, entry %d (row %d): %s", b.ProjectID, b.N, b.Seq, b.Reason)
}

// Verifier checks a project's entries fed in chain order (n ascending).
type Verifier struct {
	ProjectID string
	prevHash  string
	prevN     int64
	Entries   int64
	Broken    *Break
}

// NewVerifier starts a chain check for one project.
func NewVerifier(projectID string) *Verifier {
	return &Verifier{ProjectID: projectID, prevHash: Genesis}
}

// Add checks the next entry; after the first broken link it only counts.
// It reports whether the chain is still intact.
func (v *Verifier) Add(e Entry) bool {
	v.Entries++
	if v.Broken != nil {
		return false
	}
	fail := func(reason string) bool {
		v.Broken = &Break{ProjectID: v.ProjectID, Seq: e.Seq, N: e.N, Reason: reason}
		return false
	}
	switch {
	case e.N != v.prevN+1:
		if e.N > v.prevN+1 {
			return fail(fmt.Sprintf("entries %d–%d are missing (removed from the ledger)", v.prevN+1, e.N-1))
		}
		return fail(fmt.Sprintf("entry number %d is out of order after %d", e.N, v.prevN))
	case e.PrevHash != v.prevHash:
		return fail("its previous-hash does not match the entry before it (an entry was removed, inserted or reordered)")
	case Hash(e) != e.Hash:
		return fail("its content does not match its hash (the entry was edited)")
	}
	v.prevHash, v.prevN = e.Hash, e.N
	return true
}

// CheckEntry verifies one entry on its own and against the hash of the entry
// before it (prevHash; Genesis for n = 1): what the customer view shows as
// each entry's chain status.
func CheckEntry(e Entry, prevHash string, prevFound bool) string {
	switch {
	case Hash(e) != e.Hash:
		return "edited"
	case e.N == 1 && e.PrevHash != Genesis:
		return "broken"
	case e.N > 1 && !prevFound:
		return "broken"
	case e.N > 1 && e.PrevHash != prevHash:
		return "broken"
	}
	return "intact"
}
