package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"parityrail/access/postgres"
	"parityrail/db"
	"parityrail/mapping"
)

type databaseConnectRequest struct {
	ConnectionString       string `json:"connection_string"`
	RepairConnectionString string `json:"repair_connection_string"`
	// Replace confirms replacing a connected Clerk source.
	Replace bool `json:"replace"`
}

// connectDatabase is step 3's "Test & connect" for Postgres / Supabase: the
// read connection (always read-only) must reach at least one readable table;
// the optional repair connection must log in, and hold the UPDATE grants when
// the access columns are already mapped.
func (s *Server) connectDatabase(c echo.Context, req databaseConnectRequest) error {
	p := currentProject(c)
	readString, err := s.validConnString(req.ConnectionString)
	if err != nil {
		return onField(sourceAnswer(err), "connection_string")
	}
	if err := s.confirmReplace(c, p, "postgres", req.Replace); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 45*time.Second)
	defer cancel()

	src, err := s.sources.CandidatePostgres(ctx, readString)
	if err != nil {
		return sourceAnswer(err)
	}
	defer src.Close()
	conn := db.Connection{ProjectID: p.ID, Kind: "postgres", Label: src.Target().String(), ConnectedBy: currentUser(c).ID}
	if conn.SealedSecret, err = s.vault.Seal(readString); err != nil {
		return err
	}

	// A read role that could write is refused nothing, but said plainly.
	warnings, err := src.ReadRoleWarnings(ctx)
	if err != nil {
		return sourceAnswer(err)
	}
	if strings.TrimSpace(req.RepairConnectionString) != "" {
		repairString, err := s.validConnString(req.RepairConnectionString)
		if err != nil {
			return onField(sourceAnswer(err), "repair_connection_string")
		}
		rep, err := s.sources.CandidateRepairer(ctx, repairString)
		if err != nil {
			return sourceAnswer(err)
		}
		defer rep.Close()
		if m, err := s.storedMapping(c, p); err == nil && m.Identity != nil && m.Access != nil {
			if err := rep.CheckGrants(ctx, m.Postgres()); err != nil {
				return sourceAnswer(err)
			}
		} else {
			warnings = append(warnings, "The repair role's UPDATE grants are checked once the access columns are mapped on step 6.")
		}
		if conn.SealedExtra, err = s.vault.Seal(repairString); err != nil {
			return err
		}
		conn.ExtraLabel = rep.Role() + " @ " + rep.Target().String()
	} else if err := s.keepStoredExtra(ctx, &conn); err != nil {
		return err
	}
	if err := s.db.ConnectAccessSource(ctx, conn); err != nil {
		return err
	}
	return s.answerConnected(c, p.ID, "postgres", warnings)
}

// projectSchema reads what the project's read-only connection can see.
func (s *Server) projectSchema(ctx context.Context, p db.Project) (postgres.Schema, error) {
	src, err := s.sources.PostgresSource(ctx, p)
	if err != nil {
		return postgres.Schema{}, sourceAnswer(err)
	}
	defer src.Close()
	sch, err := src.Schema(ctx)
	if err != nil {
		return postgres.Schema{}, sourceAnswer(err)
	}
	return sch, nil
}

type schemaView struct {
	Tables     []postgres.Table    `json:"tables"`
	Suggestion postgres.Suggestion `json:"suggestion"`
}

// schema lists what the read role can see, with suggestions for steps 4 and 6.
func (s *Server) schema(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 45*time.Second)
	defer cancel()
	sch, err := s.projectSchema(ctx, currentProject(c))
	if err != nil {
		return err
	}
	tables := sch.Tables
	if tables == nil {
		tables = []postgres.Table{}
	}
	return c.JSON(http.StatusOK, schemaView{Tables: tables, Suggestion: postgres.Suggest(sch)})
}

type setupSQLView struct {
	ReadOnly postgres.RoleSQL  `json:"read_only"`
	Repair   *postgres.RoleSQL `json:"repair"`
	// RepairUnavailable says why there is no repair SQL yet.
	RepairUnavailable string `json:"repair_unavailable,omitempty"`
}

// roleCredential is the project's suggested role of a kind: the same on
// every visit (name and password) until regenerated.
func (s *Server) roleCredential(ctx context.Context, p db.Project, kind string, regenerate bool) (postgres.Credential, error) {
	stored, err := s.db.GetRoleCredential(ctx, p.ID, kind)
	if err == nil && !regenerate {
		pw, err := s.vault.Open(stored.SealedPassword)
		if err == nil {
			return postgres.Credential{Role: stored.Role, Password: pw}, nil
		}
	} else if err != nil && !errors.Is(err, db.ErrNotFound) {
		return postgres.Credential{}, err
	}
	prefix := postgres.ReadRole
	if kind == "repair" {
		prefix = postgres.RepairRole
	}
	cred := postgres.NewCredential(prefix, p.Name, p.ID)
	if err == nil {
		cred.Role = stored.Role // regenerating changes the password, not the name
	}
	sealed, err := s.vault.Seal(cred.Password)
	if err != nil {
		return cred, err
	}
	return cred, s.db.SaveRoleCredential(ctx, p.ID, kind, db.RoleCredential{Role: cred.Role, SealedPassword: sealed})
}

// setupSQL gives the SQL that creates the read-only role (for the tables
// mapped so far, or the public schema) and, once the access columns are
// mapped, the column-scoped repair role.
func (s *Server) setupSQL(c echo.Context) error {
	p := currentProject(c)
	m, err := s.storedMapping(c, p)
	if err != nil {
		return err
	}
	var tables []postgres.TableRef
	if m.Identity != nil && m.Identity.Table != "" {
		tables = m.Postgres().Tables()
	}
	ctx0 := c.Request().Context()
	regenerate := c.QueryParam("regenerate")
	if regenerate != "" && regenerate != "read" && regenerate != "repair" {
		return badRequest("invalid_filter", "regenerate is read or repair.").on("regenerate")
	}
	readCred, err := s.roleCredential(ctx0, p, "read", regenerate == "read")
	if err != nil {
		return err
	}
	out := setupSQLView{ReadOnly: postgres.ReadOnlyRoleSQL(readCred, tables)}
	if m.Identity == nil || m.Access == nil || p.AccessSource != "postgres" {
		out.RepairUnavailable = "Map the access columns on step 6 first: the repair role may update only those columns."
		return c.JSON(http.StatusOK, out)
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 45*time.Second)
	defer cancel()
	sch, err := s.projectSchema(ctx, p)
	if err != nil {
		return err
	}
	repairCred, err := s.roleCredential(ctx, p, "repair", regenerate == "repair")
	if err != nil {
		return err
	}
	repair, err := postgres.RepairRoleSQL(sch, m.Postgres(), repairCred)
	if err != nil {
		return sourceAnswer(err)
	}
	out.Repair = &repair
	return c.JSON(http.StatusOK, out)
}

// validatePostgresMapping checks the merged mapping against the live schema:
// at step 4 the identity table and column must exist; once access is mapped,
// the whole mapping is validated (types, primary keys for repairs).
func (s *Server) validatePostgresMapping(c echo.Context, p db.Project, m mapping.Mapping) ([]string, error) {
	if m.Identity == nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 45*time.Second)
	defer cancel()
	sch, err := s.projectSchema(ctx, p)
	if err != nil {
		return nil, err
	}
	pm := m.Postgres()
	if m.Access == nil {
		return identityWarnings(sch, *m.Identity)
	}
	if o := m.Identity.Organizations; o != nil && pm.Orgs == nil {
		// Organizations were added on step 4 after step 6: their access
		// columns are not mapped yet, so check the identity alone.
		if _, err := identityWarnings(sch, *o); err != nil {
			return nil, err
		}
	}
	v, err := postgres.ValidateMapping(sch, pm)
	if err != nil {
		return nil, sourceAnswer(err)
	}
	return v.Warnings, nil
}

// identityWarnings checks step 4 alone (users, and organizations when
// mapped): each table and identity column exists and the role can read it.
func identityWarnings(sch postgres.Schema, id mapping.Identity) ([]string, error) {
	var warnings []string
	for _, sub := range []*mapping.Identity{&id, id.Organizations} {
		if sub == nil {
			continue
		}
		tm := (mapping.Mapping{Identity: sub}).Postgres().Users
		t, ok := sch.Table(tm.SchemaName(), tm.Table)
		if !ok {
			return nil, badRequest("invalid_mapping", "The table %s does not exist or the role cannot read it. Check the name (it is case-sensitive) or GRANT SELECT on it.", tm.QualifiedName())
		}
		if _, ok := t.Column(tm.Identity); !ok {
			return nil, badRequest("invalid_mapping", "The column %q is not in %s (or the role cannot read it). Column names are case-sensitive.", tm.Identity, t.QualifiedName())
		}
		if len(t.PrimaryKey) == 0 {
			warnings = append(warnings, t.QualifiedName()+" has no primary key: it can be checked, but repairs need a primary key to update exactly one row.")
		}
	}
	return warnings, nil
}

// validConnString checks a pasted connection string and, unless the
// operator allowed it, refuses hosts inside ParityRail's own machine.
func (s *Server) validConnString(raw string) (string, error) {
	conn, err := postgres.ValidateConnString(raw)
	if err == nil && !s.cfg.AllowPrivateDB {
		err = postgres.RefuseInternalHosts(conn)
	}
	return conn, err
}
