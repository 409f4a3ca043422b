package server

import (
	"net/http"
	"testing"
)

// Only invalid input names a field: a 409 or 422 is about the state of
// things, not about what the person typed, so a form must not pin it to one.
func TestErrorFieldOnlyOnInvalidInput(t *testing.T) {
	for code, field := range codeFields {
		if got := fieldOf(badRequest(code, "x")); got != field {
			t.Errorf("400 %s: field %q, want %q", code, got, field)
		}
		if got := fieldOf(newError(http.StatusConflict, code, "x")); got != "" {
			t.Errorf("409 %s names field %q; only 400 answers name one", code, got)
		}
	}
	if got := fieldOf(badRequest("invalid_filter", "x").on("kind")); got != "kind" {
		t.Errorf("explicit field lost: %q", got)
	}
}

// A bad query parameter on the incidents list names the parameter.
func TestIncidentFilterErrorsNameTheParameter(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	p := owner.newProject("Acme")
	for param, want := range map[string]string{"kind=bogus": "kind", "severity=urgent": "severity", "limit=0": "limit", "sort=nope": "sort", "status=gone": "status"} {
		r := owner.mustDo("GET", "/api/projects/"+p.ID+"/incidents?"+param, nil, 400)
		var body struct {
			Error struct {
				Code, Field string
			} `json:"error"`
		}
		r.json(t, &body)
		if body.Error.Field != want {
			t.Errorf("?%s: field %q, want %q", param, body.Error.Field, want)
		}
	}
}
