module github.com/MrSunshyne/dispatch-action

go 1.26.8

require (
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/google/go-github/v66 v66.0.0
	github.com/sethvargo/go-githubactions v1.3.1
	go.yaml.in/yaml/v3 v3.0.6
)

require github.com/google/go-querystring v1.1.0 // indirect
