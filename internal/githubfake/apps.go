package githubfake

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// App is a GitHub App the fake knows: its ID, the public half of its key, and where it is
// installed.
type App struct {
	ID string
	// ClientID ("Iv23…"), which GitHub also takes as the JWT's iss; "" for none.
	ClientID  string
	PublicKey *rsa.PublicKey
	// Installations by owner (lower case).
	Installations map[string]*Installation
}

// Installation is an App's installation on one owner.
type Installation struct {
	ID          int64             `json:"id"`
	Owner       string            `json:"-"`
	Repos       []string          `json:"repos,omitempty"`       // names the installation may reach; nil means all
	Permissions map[string]string `json:"permissions,omitempty"` // what the App was granted, e.g. contents: write
}

// MintedToken is an installation token the fake issued.
type MintedToken struct {
	Token        string
	Installation int64
	Repos        []string
	Permissions  map[string]string
}

// AddApp registers an App (its installations' repositories are added too).
func (f *Fake) AddApp(a App) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for owner, inst := range a.Installations {
		inst.Owner = owner
		for _, r := range inst.Repos {
			f.repos[strings.ToLower(owner+"/"+r)] = owner + "/" + r
		}
	}
	f.apps[a.ID] = &a
	if a.ClientID != "" {
		f.apps[a.ClientID] = &a
	}
}

// MintedTokens lists the installation tokens issued, in order.
func (f *Fake) MintedTokens() []MintedToken {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]MintedToken(nil), f.minted...)
}

// SetTokenLifetime makes installation tokens stop working d after they are minted (GitHub's
// clock), whatever their expires_at says (an hour): as when an administrator revokes them.
// A negative d: they never work.
func (f *Fake) SetTokenLifetime(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenLife = d
}

// Revoked lists the installation tokens revoked with DELETE /installation/token.
func (f *Fake) Revoked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.revoked...)
}

// verifyJWT checks an App's JWT as GitHub does: RS256, signed by a known App's key, iss
// the App ID, iat not in the future, exp in the future and at most 10 minutes after now.
func (f *Fake) verifyJWT(w *recorder, r *http.Request) (*App, bool) {
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.Count(raw, ".") != 2 {
		writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded", "https://docs.github.com/rest")
		return nil, false
	}
	var app *App
	claims := jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		iss, _ := t.Claims.GetIssuer()
		f.mu.Lock()
		app = f.apps[iss]
		f.mu.Unlock()
		if app == nil {
			return nil, fmt.Errorf("unknown app %q", iss)
		}
		return app.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation()) // the times are checked below, on GitHub's clock
	if err != nil {
		writeError(w, http.StatusUnauthorized, "'Issuer' claim ('iss') must be an Integer or the JWT could not be verified: "+err.Error(), "https://docs.github.com/rest")
		return nil, false
	}
	f.mu.Lock()
	now := f.now()
	f.mu.Unlock()
	// GitHub's own messages for each claim it refuses.
	var refused string
	switch {
	case claims.IssuedAt == nil:
		refused = "'Issued at' claim ('iat') is required"
	case claims.IssuedAt.After(now):
		refused = "'Issued at' claim ('iat') must be an Integer representing a time in the past"
	case claims.ExpiresAt == nil || !claims.ExpiresAt.After(now):
		refused = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	case claims.ExpiresAt.After(now.Add(10*time.Minute + time.Second)):
		refused = "'Expiration time' claim ('exp') is too far in the future"
	}
	if refused != "" {
		writeError(w, http.StatusUnauthorized, refused, "https://docs.github.com/rest/authentication/authenticating-to-the-rest-api")
		return nil, false
	}
	return app, true
}

// repoInstallation answers GET /repos/{o}/{r}/installation (App JWT).
func (f *Fake) repoInstallation(w *recorder, r *http.Request, name string) {
	app, ok := f.verifyJWT(w, r)
	if !ok {
		return
	}
	owner, repo, _ := strings.Cut(name, "/")
	f.mu.Lock()
	inst := app.Installations[strings.ToLower(owner)]
	f.mu.Unlock()
	if inst == nil || !reaches(inst, repo) {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app")
		return
	}
	f.mu.Lock()
	obj := f.installationJSON(app, inst)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, obj, "")
}

func reaches(inst *Installation, repo string) bool {
	if inst.Repos == nil {
		return true
	}
	for _, r := range inst.Repos {
		if strings.EqualFold(r, repo) {
			return true
		}
	}
	return false
}

// routeApp serves the App endpoints; it reports whether the path was one of them.
func (f *Fake) routeApp(w *recorder, r *http.Request, parts []string, body []byte) bool {
	switch {
	case len(parts) == 4 && parts[0] == "app" && parts[1] == "installations" && parts[3] == "access_tokens" && r.Method == http.MethodPost:
		f.accessToken(w, r, parts[2], body)
	case len(parts) == 2 && parts[0] == "installation" && parts[1] == "token" && r.Method == http.MethodDelete:
		tok, ok := f.authenticate(w, r)
		if !ok {
			return true
		}
		f.mu.Lock()
		delete(f.tokens, tok.Value)
		f.revoked = append(f.revoked, tok.Value)
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		return false
	}
	return true
}

// accessToken answers POST /app/installations/{id}/access_tokens (App JWT): a token
// restricted to the repositories and permissions asked for, which must be within what the
// installation was granted.
func (f *Fake) accessToken(w *recorder, r *http.Request, id string, body []byte) {
	const doc = "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app"
	app, ok := f.verifyJWT(w, r)
	if !ok {
		return
	}
	var inst *Installation
	f.mu.Lock()
	for _, in := range app.Installations {
		if strconv.FormatInt(in.ID, 10) == id {
			inst = in
		}
	}
	f.mu.Unlock()
	if inst == nil {
		writeError(w, http.StatusNotFound, "Not Found", doc)
		return
	}
	var req struct {
		Repositories []string          `json:"repositories"`
		Permissions  map[string]string `json:"permissions"`
	}
	if json.Unmarshal(body, &req) != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", doc)
		return
	}
	for p, level := range req.Permissions {
		granted := inst.Permissions[p]
		if granted != level && !(level == "read" && granted == "write") {
			writeError(w, http.StatusUnprocessableEntity, "The permissions requested are not granted to this installation.", doc)
			return
		}
	}
	for _, repo := range req.Repositories {
		if !reaches(inst, repo) {
			writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("There is at least one repository that does not exist or is not accessible to the parent installation: %s", repo), doc)
			return
		}
	}
	tok := installationToken(app.ID)
	perms := req.Permissions
	if perms == nil {
		perms = inst.Permissions
	}
	var full []string
	for _, repo := range req.Repositories {
		full = append(full, inst.Owner+"/"+repo)
	}
	if req.Repositories == nil && inst.Repos != nil {
		for _, repo := range inst.Repos {
			full = append(full, inst.Owner+"/"+repo)
		}
	}
	f.mu.Lock()
	expires := f.now().Add(time.Hour).Truncate(time.Second)
	dies := expires
	if f.tokenLife != 0 {
		dies = f.now().Add(f.tokenLife)
	}
	f.tokens[tok] = Token{Value: tok, Repos: full, Permissions: withMetadata(perms), Kind: "integration", Expires: dies}
	f.minted = append(f.minted, MintedToken{Token: tok, Installation: inst.ID, Repos: req.Repositories, Permissions: req.Permissions})
	obj := f.tokenJSON(tok, expires, perms)
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, obj, "")
}

// InstallationTokenLength is how long the installation tokens the fake mints are: about
// 520 characters, the stateless form GitHub moved to in 2026.
const InstallationTokenLength = 520

// installationToken is a token in GitHub's 2026 stateless form: "ghs_", the App ID, and a
// signed part (random here), InstallationTokenLength characters in all.
func installationToken(appID string) string {
	b := make([]byte, InstallationTokenLength)
	rand.Read(b)
	tok := "ghs_" + appID + "_" + base64.RawURLEncoding.EncodeToString(b)
	return tok[:InstallationTokenLength]
}

// parseID reads a numeric ID.
func parseID(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

func withMetadata(p map[string]string) map[string]string {
	out := map[string]string{"metadata": "read"}
	for k, v := range p {
		out[k] = v
	}
	return out
}
