package ghapp

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/MrSunshyne/dispatch-action/internal/config"
)

func TestJWTClaims(t *testing.T) {
	t.Parallel()
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.Now().Truncate(time.Second)
	signed, err := JWT(config.App{ID: "12345", Key: rk}, now)
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.RegisteredClaims{}
	tok, err := jwt.ParseWithClaims(signed, &claims, func(*jwt.Token) (any, error) { return &rk.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil || !tok.Valid {
		t.Fatalf("not a valid RS256 JWT: %v", err)
	}
	if claims.Issuer != "12345" || !claims.IssuedAt.Equal(now.Add(-time.Minute)) || !claims.ExpiresAt.Equal(now.Add(9*time.Minute)) {
		t.Errorf("claims %+v", claims)
	}
	if claims.ExpiresAt.Sub(now) >= 10*time.Minute {
		t.Error("exp at least 10 minutes ahead: GitHub refuses it")
	}
}
