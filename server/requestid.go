package server

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"

	"github.com/labstack/echo/v4"
)

const requestIDHeader = "X-Request-Id"

// saneRequestID is what a client or proxy may choose as the id: short,
// printable, safe to echo in a header and to write in a log line.
var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID gives every request an id — the client's (or its proxy's) when
// sane, else a new one — sent back in X-Request-Id, written in the request's
// log lines and in error bodies, so a person can quote it and an operator
// can find the request.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(requestIDHeader)
		if !saneRequestID.MatchString(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(requestIDHeader, id)
		c.Response().Header().Set(requestIDHeader, id)
		return next(c)
	}
}

// requestIDOf is the id requestID gave this request ("" outside it).
func requestIDOf(c echo.Context) string {
	id, _ := c.Get(requestIDHeader).(string)
	return id
}
