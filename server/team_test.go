package server

import (
	"strings"
	"testing"
	"time"

	"parityrail/db"
)

func TestInviteLinkIsOneTimeAndOnlyItsHashIsStored(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	var inv inviteView
	owner.mustDo("POST", "/api/team/invites", map[string]string{"email": "Ada@Example.com", "role": "admin"}, 201).json(t, &inv)
	if !strings.HasPrefix(inv.URL, app.srv.URL+"/invite/") || inv.Role != db.RoleAdmin {
		t.Fatalf("invite = %+v", inv)
	}
	if d := inv.ExpiresAt.Sub(inv.CreatedAt); d != 7*24*time.Hour {
		t.Errorf("invite valid for %v, want 7 days", d)
	}
	token := tokenOf(inv.URL)

	// The pending list never shows the link again, and the database holds
	// only a hash of the token.
	listed := owner.mustDo("GET", "/api/team/invites", nil, 200)
	if strings.Contains(string(listed.Body), token) || strings.Contains(string(listed.Body), `"url"`) {
		t.Errorf("pending invites expose the link: %s", listed.Body)
	}
	if _, err := app.db.InviteByToken(t.Context(), token); err != nil {
		t.Fatalf("invite not found by its token: %v", err)
	}
	var stored int
	if err := rawDB(t, app, "mode=ro").QueryRow(`SELECT count(*) FROM invites WHERE token_hash = ?`, token).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("the raw token is stored (%d rows, %v)", stored, err)
	}

	guest := app.client()
	var shown inviteView
	guest.mustDo("GET", "/api/invites/"+token, nil, 200).json(t, &shown)
	if shown.Email != "Ada@Example.com" || shown.InvitedBy == nil || shown.InvitedBy.Name != "Olive Owner" {
		t.Errorf("invite shown as %+v", shown)
	}
	var u db.User
	guest.mustDo("POST", "/api/invites/"+token+"/accept", map[string]string{"name": "Ada", "password": testPassword}, 201).json(t, &u)
	if u.Role != db.RoleAdmin || u.Email != "Ada@Example.com" {
		t.Errorf("accepted user = %+v", u)
	}
	guest.mustDo("GET", "/api/me", nil, 200)

	// Used once: the same link now fails for everyone.
	r := app.client().mustDo("POST", "/api/invites/"+token+"/accept", map[string]string{"name": "Eve", "password": testPassword}, 404)
	if code, msg := r.errorInfo(t); code != "invite_invalid" || !strings.Contains(msg, "Ask an admin for a new one.") {
		t.Errorf("reused link: %s %q", code, msg)
	}
	app.client().mustDo("GET", "/api/invites/"+token, nil, 404)
}

func TestReinviteRevokesOldLinkAndExpiryIsEnforced(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	var first, second inviteView
	owner.mustDo("POST", "/api/team/invites", map[string]string{"email": "sam@example.com", "role": "member"}, 201).json(t, &first)
	owner.mustDo("POST", "/api/team/invites", map[string]string{"email": "sam@example.com", "role": "admin"}, 201).json(t, &second)
	app.client().mustDo("GET", "/api/invites/"+tokenOf(first.URL), nil, 404)
	app.client().mustDo("GET", "/api/invites/"+tokenOf(second.URL), nil, 200)
	var pending list[inviteView]
	owner.mustDo("GET", "/api/team/invites", nil, 200).json(t, &pending)
	if len(pending.Items) != 1 || pending.Items[0].ID != second.ID {
		t.Errorf("pending after re-invite = %+v", pending.Items)
	}

	app.setClock(time.Now().Add(7*24*time.Hour + time.Minute))
	app.client().mustDo("POST", "/api/invites/"+tokenOf(second.URL)+"/accept", map[string]string{"name": "Sam", "password": testPassword}, 404)
	if _, err := app.db.GetUserByEmail(t.Context(), "sam@example.com"); err == nil {
		t.Error("an expired invite created an account")
	}
}

func TestAcceptingRequiresTheSignedInEmailToMatch(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	var inv inviteView
	owner.mustDo("POST", "/api/team/invites", map[string]string{"email": "lee@example.com", "role": "member"}, 201).json(t, &inv)
	r := owner.mustDo("POST", "/api/invites/"+tokenOf(inv.URL)+"/accept", nil, 403)
	code, msg := r.errorInfo(t)
	if code != "invite_email_mismatch" || msg != "This invite is for lee@example.com, but you are signed in as owner@example.com. Sign out, then open the link again." {
		t.Errorf("mismatch: %s %q", code, msg)
	}
	// Still usable by the right person afterwards.
	app.client().mustDo("POST", "/api/invites/"+tokenOf(inv.URL)+"/accept", map[string]string{"name": "Lee", "password": testPassword}, 201)
}

func TestInviteValidation(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	for _, tc := range []struct {
		body   map[string]string
		status int
		msg    string
	}{
		{map[string]string{"email": "x", "role": "member"}, 400, `"x" is not a valid email address.`},
		{map[string]string{"email": "x@example.com", "role": "owner"}, 400, "Invite as admin or member."},
		{map[string]string{"email": "owner@example.com", "role": "member"}, 409, "owner@example.com is already a member of this workspace."},
	} {
		r := owner.mustDo("POST", "/api/team/invites", tc.body, tc.status)
		if _, msg := r.errorInfo(t); msg != tc.msg {
			t.Errorf("%v: %q", tc.body, msg)
		}
	}
}

func TestRoleChangesAndRemovalRules(t *testing.T) {
	app := newTestApp(t)
	owner, ownerUser := app.setupOwner()
	admin, adminUser := app.addUser(owner, "admin@example.com", db.RoleAdmin)
	member, memberUser := app.addUser(owner, "member@example.com", db.RoleMember)

	cases := []struct {
		name   string
		c      *client
		method string
		target string
		body   any
		status int
		msg    string
	}{
		{"owner changes own role", owner, "PATCH", ownerUser.ID, map[string]string{"role": "admin"}, 403, "You can't change your own role."},
		{"admin changes a role", admin, "PATCH", memberUser.ID, map[string]string{"role": "admin"}, 403, "Your role does not allow this. Ask an admin or the owner."},
		{"owner makes someone owner", owner, "PATCH", memberUser.ID, map[string]string{"role": "owner"}, 400, "Role must be admin or member."},
		{"admin removes the owner", admin, "DELETE", ownerUser.ID, nil, 403, "The owner can't be removed."},
		{"admin removes themself", admin, "DELETE", adminUser.ID, nil, 403, "You can't remove yourself."},
		{"member removes someone", member, "DELETE", adminUser.ID, nil, 403, "Your role does not allow this. Ask an admin or the owner."},
		{"unknown member", owner, "DELETE", "usr_nope", nil, 404, "No such member."},
	}
	for _, tc := range cases {
		r := tc.c.mustDo(tc.method, "/api/team/members/"+tc.target, tc.body, tc.status)
		if _, msg := r.errorInfo(t); msg != tc.msg {
			t.Errorf("%s: %q, want %q", tc.name, msg, tc.msg)
		}
	}

	// The owner promotes the member; the promotion takes effect on their
	// next request without signing in again.
	var u db.User
	owner.mustDo("PATCH", "/api/team/members/"+memberUser.ID, map[string]string{"role": "admin"}, 200).json(t, &u)
	if u.Role != db.RoleAdmin {
		t.Errorf("promoted role = %s", u.Role)
	}
	member.mustDo("GET", "/api/team/invites", nil, 200)

	// An admin removes them; their session ends with the account.
	admin.mustDo("DELETE", "/api/team/members/"+memberUser.ID, nil, 204)
	member.mustDo("GET", "/api/me", nil, 401)
	var members list[db.User]
	owner.mustDo("GET", "/api/team/members", nil, 200).json(t, &members)
	if len(members.Items) != 2 || members.Items[0].Role != db.RoleOwner {
		t.Errorf("members after removal = %+v", members.Items)
	}
}
