// Command fakegithub serves the project's fake GitHub on loopback, for measuring the
// action from outside (bench/side-by-side.sh): it accepts one token, knows octo/data and
// has no rate limit to speak of. It prints its URL and serves until it is stopped.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	token := flag.String("token", githubfake.TestToken, "the token it accepts")
	flag.Parse()
	f := githubfake.New()
	f.AddRepo("octo/data")
	f.AddToken(githubfake.Token{Value: *token})
	f.SetRateLimit(1 << 30)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	if err := http.Serve(ln, f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
