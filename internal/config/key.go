package config

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ParsePrivateKey reads an App's private key: PEM, RSA, in PKCS #1 ("BEGIN RSA PRIVATE
// KEY", as GitHub issues it) or PKCS #8 form.
func ParsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	if len(data) > MaxKeyBytes {
		return nil, fmt.Errorf("is %d bytes long: a GitHub App key is about 1.7 KB, at most %d", len(data), MaxKeyBytes)
	}
	k, err := parseKey(data)
	if err != nil {
		return nil, err
	}
	switch bits := k.N.BitLen(); {
	case bits < MinKeyBits:
		return nil, fmt.Errorf("is a %d-bit RSA key: GitHub App keys have at least %d bits", bits, MinKeyBits)
	case bits > MaxKeyBits:
		return nil, fmt.Errorf("is a %d-bit RSA key: at most %d bits are accepted", bits, MaxKeyBits)
	}
	return k, nil
}

// Bounds of an App's key: GitHub issues 2048-bit RSA keys.
const (
	MaxKeyBytes = 16 << 10
	MinKeyBits  = 2048
	MaxKeyBits  = 8192
)

// CheckAppID accepts an App ID (a positive number) or a client ID ("Iv1." and 16 hex
// digits, or "Iv23" and letters and digits), either of which GitHub takes as a JWT's iss.
func CheckAppID(id string) error {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
		return nil
	}
	if isClientID(id) {
		return nil
	}
	return errors.New("is neither an App ID (a number, such as 123456) nor a client ID (such as Iv23liABCDEF0123456789): both are on the App's settings page")
}

// isClientID: "Iv1." and 16 hex digits, or "Iv23" and letters and digits.
func isClientID(id string) bool {
	return len(id) > 4 && len(id) <= 40 && strings.HasPrefix(id, "Iv") && !strings.ContainsFunc(id[2:], func(r rune) bool {
		return !(r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
}

func parseKey(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("is not a PEM key: paste the whole .pem file GitHub gave you, BEGIN and END lines included")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("is a PEM %q block but not a private key GitHub issues (RSA)", block.Type)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("is a %T key: GitHub App keys are RSA", k)
	}
	return rk, nil
}
