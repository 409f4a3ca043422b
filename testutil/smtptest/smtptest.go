// Package smtptest is a real SMTP server for tests (emersion/go-smtp on
// 127.0.0.1): it accepts PLAIN auth for one username and password and keeps
// every message it receives. Only tests import it.
package smtptest

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one received message.
type Mail struct {
	From string
	To   []string
	Data []byte // the raw message: headers and body
}

// Server is a running in-test SMTP server.
type Server struct {
	Host     string
	Port     int
	Username string
	Password string
	mu       sync.Mutex
	mails    []Mail
}

// Start serves on a free loopback port until the test ends. Without a
// username no authentication is asked for.
func Start(t *testing.T, username, password string) *Server {
	t.Helper()
	s := &Server{Username: username, Password: password}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s.Host, s.Port = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
	return s
}

// Mails are the messages received so far.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

type session struct {
	s      *Server
	authed bool
	m      Mail
}

var errAuth = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != x.s.Username || pass != x.s.Password {
			return errAuth
		}
		x.authed = true
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.Username != "" && !x.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	x.m.From = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.m.To = append(x.m.To, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(x.m.To) == 0 {
		return errors.New("no recipients")
	}
	x.m.Data = b
	x.s.mu.Lock()
	x.s.mails = append(x.s.mails, x.m)
	x.s.mu.Unlock()
	x.m = Mail{}
	return nil
}

func (x *session) Reset()        { x.m = Mail{} }
func (x *session) Logout() error { return nil }
