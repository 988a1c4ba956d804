package report

import (
	"io"
	"strings"
	"sync"

	"github.com/MrSunshyne/dispatch-action/internal/actionio"
)

// Redactor replaces every secret (the token, App tokens minted during the run) wherever
// output would show it, and serialises writes, which may come from several goroutines.
type Redactor struct {
	mu      sync.Mutex
	secrets []string
}

// minRedactLen avoids replacing short strings that only a test would use as a token.
const minRedactLen = 6

func NewRedactor(secret string) *Redactor {
	r := &Redactor{}
	r.Add(secret)
	return r
}

func (r *Redactor) Add(secret string) {
	if len(secret) < minRedactLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, secret)
}

// AddWhile adds a secret and, under the same lock as every redacted write, runs announce
// (the ::add-mask:: command, which must reach the log unredacted and whole).
func (r *Redactor) AddWhile(secret string, announce func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	announce()
	if len(secret) >= minRedactLen {
		r.secrets = append(r.secrets, secret)
	}
}

func (r *Redactor) String(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.redact(s)
}

func (r *Redactor) redact(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, "***")
	}
	return s
}

// Writer wraps w so nothing written through it contains a secret, one write at a time.
func (r *Redactor) Writer(w io.Writer) io.Writer { return redactingWriter{w: w, r: r} }

type redactingWriter struct {
	w io.Writer
	r *Redactor
}

func (rw redactingWriter) Write(p []byte) (int, error) {
	rw.r.mu.Lock()
	defer rw.r.mu.Unlock()
	if _, err := io.WriteString(rw.w, rw.r.redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (r *Redactor) Outputs(outs []actionio.Output) []actionio.Output {
	for i := range outs {
		outs[i].Value = r.String(outs[i].Value)
	}
	return outs
}
