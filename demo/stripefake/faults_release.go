//go:build release

package stripefake

// The production binary scripts no failures.
func (s *Server) takeFailure(string) (Failure, bool) { return Failure{}, false }
