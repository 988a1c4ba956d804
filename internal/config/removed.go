package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// MaxInputs is how many inputs the action may have: a surface learnt in five minutes.
const MaxInputs = 30

// replacement is what replaces an input removed before v1: an input, and the value that
// says the same ("" when the input takes the removed one's value as it was).
type replacement struct {
	input, value string
	why          string // what else to know, "" for nothing
	wasBool      bool   // the removed flag stood alone (--cancel-run-on-abort)
}

// removed are the inputs (and flags) folded into others before v1. Given, each is a
// problem that names its replacement: exit 2, nothing sent.
var removed = map[string]replacement{
	"client-id":             {input: "app-id", why: "which takes the App's client ID as well as its App ID"},
	"client-payload-file":   {input: "client-payload", value: "@PATH", why: "a value starting with @ is a file to read, as in gh"},
	"inputs-file":           {input: "inputs", value: "@PATH", why: "a value starting with @ is a file to read, as in gh"},
	"app-private-key-file":  {input: "app-private-key", value: "@PATH", why: "a value starting with @ is a file to read, as in gh"},
	"cancel-run-on-abort":   {input: "cancel-run", value: "on-abort", wasBool: true},
	"cancel-run-on-failure": {input: "cancel-run", value: "on-failure", wasBool: true},
	"status-repository":     {input: "status-commit", value: "OWNER/REPO@SHA"},
	"status-sha":            {input: "status-commit", value: "SHA"},
}

// IsRemoved reports whether name is an input (or flag) removed before v1: it is known
// only to name its replacement.
func IsRemoved(name string) bool {
	_, ok := removed[name]
	return ok
}

// RemovedInputs are the names of the inputs (and flags) removed before v1, sorted.
func RemovedInputs() []string { return slices.Sorted(maps.Keys(removed)) }

// remove records that the removed input name was given, with value.
func (in *Inputs) remove(name, value string) {
	if in.Removed == nil {
		in.Removed = map[string]string{}
	}
	in.Removed[name] = value
}

// removedInputs: each removed input given is a problem naming what replaces it, in the
// mode's words.
func (b *builder) removedInputs() {
	for _, name := range slices.Sorted(maps.Keys(b.in.Removed)) {
		r := removed[name]
		use := Label(b.mode, r.input)
		switch {
		case b.mode == CLIMode:
			use = strings.TrimSpace("--" + r.input + " " + r.value)
		case r.value != "":
			use = r.input + ": " + r.value
		}
		msg := fmt.Sprintf("was removed before v1: use %s", use)
		if r.why != "" {
			msg += " (" + r.why + ")"
		}
		b.bad(name, "%s", msg)
	}
}

// removedFlag is a flag of a removed input: given, it is recorded, so that Build names
// its replacement.
type removedFlag struct {
	in     *Inputs
	name   string
	isBool bool
}

func (f removedFlag) String() string     { return "" }
func (f removedFlag) IsBoolFlag() bool   { return f.isBool }
func (f removedFlag) Set(v string) error { f.in.remove(f.name, v); return nil }
