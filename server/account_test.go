package server

import (
	"testing"
)

func TestAccountPasswordAndSessions(t *testing.T) {
	app := newTestApp(t)
	owner, u := app.setupOwner()
	laptop := app.client()
	laptop.mustDo("POST", "/api/auth/login", map[string]string{"email": u.Email, "password": testPassword}, 200)
	anon := app.client()
	anon.mustDo("POST", "/api/me/password", map[string]string{"current_password": testPassword, "new_password": "a much longer secret"}, 401)
	anon.mustDo("POST", "/api/me/sign-out-everywhere", nil, 401)

	for _, tc := range []struct {
		body      map[string]string
		code, fld string
	}{
		{map[string]string{"current_password": "", "new_password": "a much longer secret"}, "current_password_required", "current_password"},
		{map[string]string{"current_password": "wrong one entirely", "new_password": "a much longer secret"}, "wrong_password", "current_password"},
		{map[string]string{"current_password": testPassword, "new_password": "short"}, "weak_password", "new_password"},
		{map[string]string{"current_password": testPassword, "new_password": "1qaz2wsx3edc"}, "weak_password", "new_password"},
	} {
		r := owner.do("POST", "/api/me/password", tc.body)
		var body struct {
			Error struct{ Code, Message, Field string } `json:"error"`
		}
		r.json(t, &body)
		if r.Status != 400 || body.Error.Code != tc.code || body.Error.Field != tc.fld {
			t.Errorf("%v: %d %+v", tc.body, r.Status, body.Error)
		}
	}
	// A common password is refused whatever its case.
	r := owner.do("POST", "/api/me/password", map[string]string{"current_password": testPassword, "new_password": "QWERTY123456"})
	if r.Status != 400 {
		t.Errorf("a common password was accepted: %d", r.Status)
	}
	// Still the old password: nothing changed.
	app.client().mustDo("POST", "/api/auth/login", map[string]string{"email": u.Email, "password": testPassword}, 200)

	owner.mustDo("POST", "/api/me/password", map[string]string{"current_password": testPassword, "new_password": "a much longer secret"}, 204)
	owner.mustDo("GET", "/api/me", nil, 200)  // this browser stays signed in
	laptop.mustDo("GET", "/api/me", nil, 401) // every other session ended
	app.client().mustDo("POST", "/api/auth/login", map[string]string{"email": u.Email, "password": testPassword}, 401)
	phone := app.client()
	phone.mustDo("POST", "/api/auth/login", map[string]string{"email": u.Email, "password": "a much longer secret"}, 200)

	owner.mustDo("POST", "/api/me/sign-out-everywhere", nil, 204)
	owner.mustDo("GET", "/api/me", nil, 401)
	phone.mustDo("GET", "/api/me", nil, 401)
}

// Signing in hands the browser a new CSRF token: one planted before sign-in
// is worthless afterwards.
func TestLoginRotatesCSRFToken(t *testing.T) {
	app := newTestApp(t)
	_, u := app.setupOwner()
	c := app.client()
	c.mustDo("GET", "/api/setup", nil, 200)
	before := c.cookie(csrfCookie)
	c.mustDo("POST", "/api/auth/login", map[string]string{"email": u.Email, "password": testPassword}, 200)
	if after := c.cookie(csrfCookie); after == "" || after == before {
		t.Errorf("CSRF token not rotated at sign-in: %q → %q", before, after)
	}
	c.mustDo("POST", "/api/projects", map[string]string{"name": "Works"}, 201)
}
