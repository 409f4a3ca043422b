package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"parityrail/db"
)

func (s *Server) listMembers(c echo.Context) error {
	users, err := s.db.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(users))
}

type roleRequest struct {
	Role db.Role `json:"role"`
}

// changeRole is owner-only (see routes.go); nobody changes their own role or
// the owner's, and ownership is not handed over here.
func (s *Server) changeRole(c echo.Context, req roleRequest) error {
	if req.Role != db.RoleAdmin && req.Role != db.RoleMember {
		return badRequest("invalid_role", "Role must be admin or member.")
	}
	target, err := s.memberParam(c)
	if err != nil {
		return err
	}
	if target.ID == currentUser(c).ID {
		return newError(http.StatusForbidden, "own_role", "You can't change your own role.")
	}
	if target.Role == db.RoleOwner {
		return newError(http.StatusForbidden, "owner_protected", "The owner's role can't be changed.")
	}
	if err := s.db.SetUserRole(c.Request().Context(), target.ID, req.Role); err != nil {
		return err
	}
	target.Role = req.Role
	return c.JSON(http.StatusOK, target)
}

func (s *Server) removeMember(c echo.Context) error {
	target, err := s.memberParam(c)
	if err != nil {
		return err
	}
	if target.ID == currentUser(c).ID {
		return newError(http.StatusForbidden, "remove_self", "You can't remove yourself.")
	}
	if target.Role == db.RoleOwner {
		return newError(http.StatusForbidden, "owner_protected", "The owner can't be removed.")
	}
	if err := s.db.DeleteUser(c.Request().Context(), target.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) memberParam(c echo.Context) (db.User, error) {
	u, err := s.db.GetUser(c.Request().Context(), c.Param("userId"))
	if errors.Is(err, db.ErrNotFound) {
		return db.User{}, newError(http.StatusNotFound, "not_found", "No such member.")
	}
	return u, err
}

type person struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type inviteView struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Role      db.Role   `json:"role"`
	InvitedBy *person   `json:"invited_by"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// URL is only present in the answer that creates the invite: the token
	// behind it is not stored and cannot be shown again.
	URL string `json:"url,omitempty"`
}

func (s *Server) inviteView(c echo.Context, inv db.Invite) (inviteView, error) {
	v := inviteView{ID: inv.ID, Email: inv.Email, Role: inv.Role, CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt}
	if inv.InvitedByID != "" {
		u, err := s.db.GetUser(c.Request().Context(), inv.InvitedByID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return v, err
		}
		if err == nil {
			v.InvitedBy = &person{ID: u.ID, Name: u.Name, Email: u.Email}
		}
	}
	return v, nil
}

func (s *Server) listInvites(c echo.Context) error {
	invites, err := s.db.PendingInvites(c.Request().Context())
	if err != nil {
		return err
	}
	views := make([]inviteView, 0, len(invites))
	for _, inv := range invites {
		v, err := s.inviteView(c, inv)
		if err != nil {
			return err
		}
		views = append(views, v)
	}
	return c.JSON(http.StatusOK, listOf(views))
}

type inviteRequest struct {
	Email string  `json:"email"`
	Role  db.Role `json:"role"`
}

func (s *Server) createInvite(c echo.Context, req inviteRequest) error {
	email, err := validateEmail(req.Email)
	if err != nil {
		return err
	}
	if req.Role != db.RoleAdmin && req.Role != db.RoleMember {
		return badRequest("invalid_role", "Invite as admin or member.")
	}
	ctx := c.Request().Context()
	if _, err := s.db.GetUserByEmail(ctx, email); err == nil {
		return newError(http.StatusConflict, "already_member", "%s is already a member of this workspace.", email)
	} else if !errors.Is(err, db.ErrNotFound) {
		return err
	}
	inv, token, err := s.db.CreateInvite(ctx, email, req.Role, currentUser(c).ID, inviteTTL)
	if err != nil {
		return err
	}
	v, err := s.inviteView(c, inv)
	if err != nil {
		return err
	}
	v.URL = s.baseURL(c) + "/invite/" + token
	return c.JSON(http.StatusCreated, v)
}

func (s *Server) revokeInvite(c echo.Context) error {
	err := s.db.RevokeInvite(c.Request().Context(), c.Param("inviteId"))
	if errors.Is(err, db.ErrNotFound) {
		return newError(http.StatusNotFound, "not_found", "No such pending invite.")
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

var errInviteInvalid = newError(http.StatusNotFound, "invite_invalid",
	"This invite link is invalid, has expired, or was already used. Ask an admin for a new one.")

// pendingInvite looks up the :token invite and refuses one that can no longer
// be accepted.
func (s *Server) pendingInvite(c echo.Context) (db.Invite, error) {
	inv, err := s.db.InviteByToken(c.Request().Context(), c.Param("token"))
	if errors.Is(err, db.ErrNotFound) || (err == nil && !inv.Pending(s.now())) {
		return db.Invite{}, errInviteInvalid
	}
	return inv, err
}

func (s *Server) showInvite(c echo.Context) error {
	inv, err := s.pendingInvite(c)
	if err != nil {
		return err
	}
	v, err := s.inviteView(c, inv)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

type acceptRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// acceptInvite: signed out, it creates the account for the invite's email;
// signed in, the session's email must be the invited one.
func (s *Server) acceptInvite(c echo.Context) error {
	var req acceptRequest
	if c.Request().ContentLength != 0 {
		if err := decode(c, &req); err != nil {
			return err
		}
	}
	inv, err := s.pendingInvite(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()

	if u, err := s.sessionUser(c); err == nil {
		if !strings.EqualFold(u.Email, inv.Email) {
			return newError(http.StatusForbidden, "invite_email_mismatch",
				"This invite is for %s, but you are signed in as %s. Sign out, then open the link again.", inv.Email, u.Email)
		}
		if err := s.db.AcceptInviteExistingUser(ctx, inv, u.ID); errors.Is(err, db.ErrInviteUsed) {
			return errInviteInvalid
		} else if err != nil {
			return err
		}
		u, err = s.db.GetUser(ctx, u.ID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, u)
	} else if !errors.Is(err, errUnauthenticated) {
		return err
	}

	if _, err := s.db.GetUserByEmail(ctx, inv.Email); err == nil {
		return newError(http.StatusConflict, "account_exists",
			"An account for %s already exists. Sign in as %s, then open this link again.", inv.Email, inv.Email)
	} else if !errors.Is(err, db.ErrNotFound) {
		return err
	}
	_, name, err := validatePerson(inv.Email, req.Name, req.Password)
	if err != nil {
		return err
	}
	hash, err := s.hashPassword(req.Password)
	if err != nil {
		return err
	}
	u, err := s.db.AcceptInviteNewUser(ctx, inv, name, hash)
	switch {
	case errors.Is(err, db.ErrInviteUsed):
		return errInviteInvalid
	case errors.Is(err, db.ErrEmailTaken):
		return newError(http.StatusConflict, "account_exists", "An account for %s already exists. Sign in instead.", inv.Email)
	case err != nil:
		return err
	}
	return s.signIn(c, http.StatusCreated, u)
}
