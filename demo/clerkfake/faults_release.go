//go:build release

package clerkfake

// The production binary scripts no failures.
func (s *Server) popScript() (scripted, bool) { return scripted{}, false }
