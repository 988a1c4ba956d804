package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/event"
)

func TestParsePrivateKey(t *testing.T) {
	t.Parallel()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(rk)
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec8, _ := x509.MarshalPKCS8PrivateKey(ek)
	tests := []struct {
		name, pem, err string
	}{
		{"PKCS #1, as GitHub issues it", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)})), ""},
		{"PKCS #8", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})), ""},
		{"not PEM", "MIIEowIBAAKCAQEA", "is not a PEM key"},
		{"EC key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ec8})), "GitHub App keys are RSA"},
		{"PEM of something else", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("x")})), "not a private key"},
	}
	for _, tt := range tests {
		k, err := ParsePrivateKey([]byte(tt.pem))
		if tt.err == "" {
			if err != nil || k.N.Cmp(rk.N) != 0 {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.err)
		}
	}
}

func TestKeyAndAppIDBounds(t *testing.T) {
	t.Parallel()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)})
	if _, err := ParsePrivateKey(smallPEM); err == nil || !strings.Contains(err.Error(), "1024-bit RSA key") {
		t.Errorf("1024-bit key: %v", err)
	}
	if _, err := ParsePrivateKey([]byte(strings.Repeat("A", MaxKeyBytes+1))); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("oversized key: %v", err)
	}
	for id, ok := range map[string]bool{
		"123456": true, "Iv1.0123456789abcdef": true, "Iv23liABCDEF0123456789": true,
		"0": false, "-5": false, "my-app": false, "Iv": false, "Iv1.abc def": false, "123 456": false, "Iv23" + strings.Repeat("a", 40): false,
	} {
		if err := CheckAppID(id); (err == nil) != ok {
			t.Errorf("CheckAppID(%q) = %v", id, err)
		}
	}
}

// endless is a file that never ends (/dev/zero) where there is one, else one over every
// limit.
func endless(t *testing.T) string {
	if _, err := os.Stat("/dev/zero"); err == nil {
		return "/dev/zero"
	}
	path := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(path, make([]byte, MaxKeyBytes+event.MaxDispatchBodyBytes), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFilesAreReadThroughALimit(t *testing.T) {
	t.Parallel()
	in := valid()
	in.ClientPayload = "@" + endless(t)
	_, ps := Build(CLIMode, in)
	if len(ps) != 1 || ps[0].Input != "client-payload" || !strings.Contains(ps[0].Rule, "is larger than") {
		t.Errorf("problems %v", ps)
	}
	in = valid()
	in.AppID, in.AppPrivateKey = "1", "@"+endless(t)
	_, ps = Build(CLIMode, in)
	if len(ps) == 0 || ps[0].Input != "app-private-key" || !strings.Contains(ps[0].Rule, "is larger than") {
		t.Errorf("problems %v", ps)
	}
}
