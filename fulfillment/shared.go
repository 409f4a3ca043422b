package fulfillment

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// FoldEmail is the form an email takes when it links an app subject to a
// Stripe customer: surrounding space trimmed, then Unicode simple case
// folding (each letter mapped to one representative of its case orbit, so
// "ANN@Example.com", "ann@example.com " and "ann@EXAMPLE.COM" fold alike,
// as do "STRASSE" and "strasse", "ΣΑΣ" and "σας"). A plus-address is kept:
// "ann+work@x.com" is another address. Every source folds through it, in Go,
// never SQL lower(), so all sources agree.
func FoldEmail(s string) string {
	s = strings.TrimSpace(s)
	return strings.Map(foldRune, s)
}

// foldRune maps a rune to the smallest rune of its simple-fold orbit,
// lower-cased when that is a letter with a lower case in the orbit.
func foldRune(r rune) rune {
	low := unicode.ToLower(r)
	best := low
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if unicode.IsLower(f) && f < best {
			best = f
		}
	}
	return best
}

// CompareShared checks one app subject that several Stripe customers point
// at (identity by email or by a metadata key). Which customer the subject
// really belongs to cannot be told, so no promise is judged against its
// access: every customer involved gets an ambiguous_match naming all of
// them and the subject. When exactly one of them is owed access and the
// subject grants it, the summary says so (the likely right link).
// Promises are given newest customer first; the order is kept.
func CompareShared(ps []Promise, s Subject, m PlanMapping, pol Policy, now time.Time) []Finding {
	if len(ps) == 0 {
		return nil
	}
	ids := make([]string, len(ps))
	labels := make([]string, len(ps))
	var owed []Promise
	for i, p := range ps {
		ids[i], labels[i] = p.CustomerID, customerLabel(p)
		if p.Grants && !p.Pending {
			owed = append(owed, p)
		}
	}
	who := s.label()
	base := fmt.Sprintf("%d Stripe customers point at %s: %s; its access is not judged until one link remains.",
		len(ps), who, strings.Join(labels, ", "))
	app := Grants(s, m, now)
	switch {
	case len(owed) == 1 && app:
		base += fmt.Sprintf(" Only %s is owed paid access, and %s grants it.", owed[0].CustomerID, who)
	case len(owed) == 1:
		base += fmt.Sprintf(" Only %s is owed paid access, and %s grants none.", owed[0].CustomerID, who)
	case len(owed) == 0 && app:
		base += fmt.Sprintf(" None of them is owed paid access, yet %s grants it.", who)
	case len(owed) == 0:
		base += " None of them is owed paid access."
	default:
		base += fmt.Sprintf(" %d of them are owed paid access.", len(owed))
	}
	out := make([]Finding, len(ps))
	for i, p := range ps {
		subj := s
		out[i] = Finding{
			Kind: AmbiguousMatch, Severity: AmbiguousMatch.Severity(), CustomerID: p.CustomerID,
			Subject: &subj, SharedWith: ids, Summary: base, Promise: p, Policy: pol,
		}
	}
	return out
}
