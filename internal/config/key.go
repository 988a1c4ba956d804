package config

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// ParsePrivateKey reads an App's private key: PEM, RSA, in PKCS #1 ("BEGIN RSA PRIVATE
// KEY", as GitHub issues it) or PKCS #8 form.
func ParsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
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
