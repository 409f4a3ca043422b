package fulfillment

import (
	"strings"
	"testing"
)

func TestFoldEmail(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"Ann@Example.COM", "ann@example.com", true},
		{"  ann@example.com\t", "ANN@EXAMPLE.COM", true},
		{"ÉLODIE@exemple.fr", "élodie@exemple.fr", true},
		{"ΣΟΦΙΑ@example.gr", "σοφια@example.gr", true},
		{"\u212Aim@example.com", "kim@example.com", true}, // Kelvin sign folds to k
		{"ann+work@example.com", "ann@example.com", false},
		{"ann.b@example.com", "annb@example.com", false},
	} {
		if got := FoldEmail(tc.a) == FoldEmail(tc.b); got != tc.same {
			t.Errorf("FoldEmail(%q)=%q, FoldEmail(%q)=%q: same=%t, want %t", tc.a, FoldEmail(tc.a), tc.b, FoldEmail(tc.b), got, tc.same)
		}
	}
	if got := FoldEmail(" Ann@Example.com "); got != "ann@example.com" {
		t.Errorf("FoldEmail reads %q, want ann@example.com", got)
	}
}

func TestCompareShared(t *testing.T) {
	pol := DefaultPolicy()
	paying := DerivePromise(billing(sub("sub_a", "active", "price_pro")), testMapping, pol, now)
	paying.CustomerID = "cus_pay"
	canceledB := billing(sub("sub_b", "canceled", "price_pro"))
	canceledB.Customer.ID = "cus_old"
	canceled := DerivePromise(canceledB, testMapping, pol, now)
	other := paying
	other.CustomerID = "cus_two"

	grantsPro := row("42", Fields{Plan: planField("pro")})
	grantsNothing := row("42", Fields{Plan: planField("free")})
	for _, tc := range []struct {
		name  string
		ps    []Promise
		s     Subject
		tail  string
		count int
	}{
		{"one owed, row grants", []Promise{canceled, paying}, grantsPro, "Only cus_pay is owed paid access, and row accounts#42 (ann@example.com) grants it.", 2},
		{"one owed, row grants nothing", []Promise{paying, canceled}, grantsNothing, "Only cus_pay is owed paid access, and row accounts#42 (ann@example.com) grants none.", 2},
		{"none owed, row grants", []Promise{canceled, canceled}, grantsPro, "None of them is owed paid access, yet row accounts#42 (ann@example.com) grants it.", 2},
		{"two owed", []Promise{paying, other, canceled}, grantsPro, "2 of them are owed paid access.", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CompareShared(tc.ps, tc.s, testMapping, pol, now)
			if len(got) != tc.count {
				t.Fatalf("want %d findings:%s", tc.count, describe(got))
			}
			for i, f := range got {
				if f.Kind != AmbiguousMatch || f.Severity != Low || f.CustomerID != tc.ps[i].CustomerID || f.Subject == nil || f.Subject.ID != "42" {
					t.Errorf("finding %d:%s", i, describe(got[i:i+1]))
				}
				if len(f.SharedWith) != len(tc.ps) || len(f.Fields) != 0 {
					t.Errorf("finding %d names %v, fields %v", i, f.SharedWith, f.Fields)
				}
				if !strings.HasSuffix(f.Summary, tc.tail) || !strings.Contains(f.Summary, "point at row accounts#42") {
					t.Errorf("summary %q, want it to end %q", f.Summary, tc.tail)
				}
				for _, p := range tc.ps {
					if !strings.Contains(f.Summary, p.CustomerID) {
						t.Errorf("summary %q does not name %s", f.Summary, p.CustomerID)
					}
				}
			}
			if ExpectedFingerprint(got[0]) == ExpectedFingerprint(CompareShared(tc.ps[:2], tc.s, testMapping, pol, now)[0]) && len(tc.ps) > 2 {
				t.Error("who shares the row is part of what the finding expects")
			}
		})
	}
}
