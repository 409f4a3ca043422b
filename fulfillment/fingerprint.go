package fulfillment

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// ExpectedFingerprint identifies what a finding expects, so the caller can keep
// an ignored incident ignored until the expected values change. It covers the
// kind and the promise's expected value for every field the subject has mapped
// (every field for customer-level kinds) — never the app's actual values, nor
// which of them happen to differ today.
func ExpectedFingerprint(f Finding) string {
	p := f.Promise
	all := f.Subject == nil
	var fs Fields
	if !all {
		fs = f.Subject.Fields
	}
	parts := []string{"kind=" + string(f.Kind), fmt.Sprintf("grants=%t", p.Grants)}
	if len(f.SharedWith) > 0 {
		parts = append(parts, "shared="+strings.Join(sortedUnique(f.SharedWith), ","))
	}
	if all || fs.Plan != nil {
		if p.Grants && !p.PlanKnown {
			parts = append(parts, "plan=?unmapped:"+strings.Join(p.UnmappedPrices, ","))
		} else {
			parts = append(parts, "plan="+p.Plan)
		}
	}
	if all || fs.Premium != nil {
		parts = append(parts, fmt.Sprintf("premium=%t", p.Grants))
	}
	if all || fs.TrialEnd != nil {
		switch {
		case p.Trial && p.TrialEnd != nil:
			parts = append(parts, "trial_end="+stamp(*p.TrialEnd))
		case !p.Grants:
			parts = append(parts, "trial_end=none")
		default:
			parts = append(parts, "trial_end=not-compared")
		}
	}
	if (all || fs.Entitlements != nil) && p.FeaturesEnabled {
		parts = append(parts, "entitlements="+strings.Join(sortedUnique(p.Features), ","))
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(sum[:16])
}
