package workflows

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxFileBytes is the largest workflow file read: GitHub's contents API gives a larger
// one without its content, and a workflow that large is not one to guess about.
const MaxFileBytes = 1 << 20

// maxNodes bounds the YAML nodes visited under on:, aliases followed each time: an alias
// bomb is "cannot be read", not a crash.
const maxNodes = 10_000

// Input is what a workflow declares of one workflow_dispatch input.
type Input struct {
	Name     string
	Type     string // string (also when not given), boolean, choice, number, environment
	Required bool
	Default  string
	HasDef   bool
	Options  []string
}

// Triggers is what a workflow file's on: says of the two dispatch events.
type Triggers struct {
	RepositoryDispatch bool
	Types              []string // repository_dispatch's types:; nil: every type
	WorkflowDispatch   bool
	Inputs             []Input // workflow_dispatch's inputs, in the file's order
}

// Listens reports whether the workflow starts on repository_dispatch of eventType.
func (t Triggers) Listens(eventType string) bool {
	return t.RepositoryDispatch && (t.Types == nil || slices.Contains(t.Types, eventType))
}

// Input finds a declared input by name, whatever its case, as GitHub does.
func (t Triggers) Input(name string) (Input, bool) {
	for _, in := range t.Inputs {
		if strings.EqualFold(in.Name, name) { // as GitHub matches a workflow's inputs
			return in, true
		}
	}
	return Input{}, false
}

// ErrUnread is a file this package cannot read with confidence: what it says is not guessed.
var ErrUnread = errors.New("cannot be read")

// Parse reads the on: of a workflow file in any of its three forms (a name, a list of
// names, a mapping). GitHub reads the key on as the string "on" (not YAML 1.1's true).
// Only the top-level on: block is parsed, within maxOnBytes and maxNodes: whatever the
// rest of the file holds, reading it costs little memory.
func Parse(src []byte) (Triggers, error) {
	if len(src) > MaxFileBytes {
		return Triggers{}, fmt.Errorf("%w: larger than %d bytes", ErrUnread, MaxFileBytes)
	}
	block, err := onBlock(src)
	if err != nil {
		return Triggers{}, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(block, &doc); err != nil {
		return Triggers{}, fmt.Errorf("%w: not YAML this check reads (%s)", ErrUnread, firstLine(err.Error()))
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return Triggers{}, fmt.Errorf("%w: not a mapping of keys", ErrUnread)
	}
	w := &walker{budget: maxNodes}
	on := w.key(doc.Content[0], "on")
	if on == nil {
		return Triggers{}, fmt.Errorf("%w: no on: key", ErrUnread)
	}
	t, err := w.triggers(on)
	if w.budget < 0 {
		err = fmt.Errorf("%w: its on: has more than %d nodes, aliases counted each time", ErrUnread, maxNodes)
	}
	return t, err
}

// maxOnBytes bounds the on: block parsed: a workflow's triggers with all 25 inputs and
// their options fit many times over.
const maxOnBytes = 64 << 10

// onKey is a top-level on: key, as a workflow writes it.
var onKey = regexp.MustCompile(`^(on|"on"|'on')[ \t]*:`)

// onBlock is the top-level on: key of a workflow file and the lines under it, as a YAML
// document of its own, with the top-level blocks that define the anchors it uses (in the
// file's order): the rest of the file is never parsed. A file whose on: is not a
// top-level block key (a flow mapping of the whole file) is read whole when small.
func onBlock(src []byte) ([]byte, error) {
	blocks := topLevelBlocks(src)
	on := slices.IndexFunc(blocks, func(b string) bool { return onKey.MatchString(b) })
	if on < 0 {
		if t := strings.TrimSpace(string(src)); strings.HasPrefix(t, "{") && len(src) <= maxOnBytes {
			return src, nil
		}
		return nil, fmt.Errorf("%w: no top-level on: key", ErrUnread)
	}
	defines := map[string]int{} // each anchor, by the block that defines it first
	for i, b := range blocks {
		for _, m := range anchor.FindAllStringSubmatch(b, -1) {
			if _, ok := defines[m[1]]; !ok {
				defines[m[1]] = i
			}
		}
	}
	keep := map[int]bool{on: true}
	for range 8 { // the blocks that define the anchors the blocks kept use: a few rounds
		for _, m := range alias.FindAllStringSubmatch(joinKept(blocks, keep), maxNodes) {
			if i, ok := defines[m[1]]; ok {
				keep[i] = true
			}
		}
	}
	text := joinKept(blocks, keep)
	if len(text) > maxOnBytes {
		return nil, fmt.Errorf("%w: its on: is larger than %d bytes", ErrUnread, maxOnBytes)
	}
	if n := strings.Count(text, ",") + strings.Count(text, ":") + strings.Count(text, "- ") + strings.Count(text, "\n"); n > maxNodes {
		return nil, fmt.Errorf("%w: its on: has more than %d nodes", ErrUnread, maxNodes)
	}
	return []byte(text), nil
}

// alias is a YAML alias, *name; anchor an anchor, &name.
var (
	alias  = regexp.MustCompile(`\*([A-Za-z0-9_-]+)`)
	anchor = regexp.MustCompile(`&([A-Za-z0-9_-]+)`)
)

// joinKept is the blocks kept, in the file's order.
func joinKept(blocks []string, keep map[int]bool) string {
	var b strings.Builder
	for i, block := range blocks {
		if keep[i] {
			b.WriteString(block)
		}
	}
	return b.String()
}

// topLevelBlocks are a file's top-level keys, each with the lines under it (indented,
// blank or comments); lines before the first key are a block of their own.
func topLevelBlocks(src []byte) []string {
	var blocks []string
	var cur strings.Builder
	for line := range strings.Lines(strings.TrimPrefix(string(src), "\ufeff")) {
		text := strings.TrimRight(line, "\r\n")
		if text != "" && text[0] != ' ' && text[0] != '\t' && text[0] != '#' && cur.Len() > 0 {
			blocks = append(blocks, cur.String())
			cur.Reset()
		}
		cur.WriteString(text + "\n")
	}
	if cur.Len() > 0 {
		blocks = append(blocks, cur.String())
	}
	return blocks
}

// firstLine is a parser message's first line, without the package's prefix.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimPrefix(s, "yaml: ")
}

// walker visits nodes within a budget, following aliases.
type walker struct{ budget int }

// node follows n's aliases and takes one node from the budget.
func (w *walker) node(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode; depth++ {
		if depth > 100 {
			return nil
		}
		n = n.Alias
	}
	w.budget--
	if w.budget < 0 {
		return nil
	}
	return n
}

// key is the value of key in mapping m, or nil.
func (w *walker) key(m *yaml.Node, key string) *yaml.Node {
	if m = w.node(m); m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := w.node(m.Content[i]); k != nil && k.Kind == yaml.ScalarNode && k.Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// triggers reads on: as a name, a list of names or a mapping.
func (w *walker) triggers(on *yaml.Node) (Triggers, error) {
	var t Triggers
	on = w.node(on)
	if on == nil {
		return t, ErrUnread
	}
	switch on.Kind {
	case yaml.ScalarNode:
		t.RepositoryDispatch, t.WorkflowDispatch = on.Value == "repository_dispatch", on.Value == "workflow_dispatch"
	case yaml.SequenceNode:
		for _, item := range on.Content {
			if n := w.node(item); n != nil && n.Kind == yaml.ScalarNode {
				t.RepositoryDispatch = t.RepositoryDispatch || n.Value == "repository_dispatch"
				t.WorkflowDispatch = t.WorkflowDispatch || n.Value == "workflow_dispatch"
			}
		}
	case yaml.MappingNode:
		return w.mapping(on)
	default:
		return t, fmt.Errorf("%w: its on: is neither a name, a list nor a mapping", ErrUnread)
	}
	return t, nil
}

// mapping reads on: as a mapping of events to their settings.
func (w *walker) mapping(on *yaml.Node) (Triggers, error) {
	var t Triggers
	for i := 0; i+1 < len(on.Content); i += 2 {
		k := w.node(on.Content[i])
		if k == nil {
			return t, ErrUnread
		}
		switch k.Value {
		case "repository_dispatch":
			t.RepositoryDispatch = true
			types, err := w.strings(w.key(on.Content[i+1], "types"))
			if err != nil {
				return t, fmt.Errorf("%w: repository_dispatch's types: %v", ErrUnread, err)
			}
			t.Types = types
		case "workflow_dispatch":
			t.WorkflowDispatch = true
			inputs, err := w.inputs(w.key(on.Content[i+1], "inputs"))
			if err != nil {
				return t, err
			}
			t.Inputs = inputs
		}
	}
	return t, nil
}

// strings reads a name or a list of names; nil n is nil (no filter).
func (w *walker) strings(n *yaml.Node) ([]string, error) {
	if n == nil {
		return nil, nil
	}
	if n = w.node(n); n == nil {
		return nil, ErrUnread
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		out := []string{}
		for _, item := range n.Content {
			s := w.node(item)
			if s == nil || s.Kind != yaml.ScalarNode {
				return nil, errors.New("not a list of names")
			}
			out = append(out, s.Value)
		}
		return out, nil
	}
	return nil, errors.New("not a list of names")
}

// inputs reads workflow_dispatch's inputs: a mapping of names to their declarations.
func (w *walker) inputs(n *yaml.Node) ([]Input, error) {
	if n == nil {
		return nil, nil
	}
	if n = w.node(n); n == nil || n.Kind != yaml.MappingNode && n.Tag != "!!null" {
		return nil, fmt.Errorf("%w: workflow_dispatch's inputs: is not a mapping", ErrUnread)
	}
	var out []Input
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := w.node(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			return nil, ErrUnread
		}
		in := Input{Name: k.Value, Type: "string"}
		decl := n.Content[i+1]
		if v := w.scalar(w.key(decl, "type")); v != "" {
			in.Type = v
		}
		in.Required = strings.EqualFold(w.scalar(w.key(decl, "required")), "true")
		if d := w.key(decl, "default"); d != nil {
			in.Default, in.HasDef = w.scalar(d), true
		}
		opts, err := w.strings(w.key(decl, "options"))
		if err != nil {
			return nil, fmt.Errorf("%w: the options of input %s: %v", ErrUnread, in.Name, err)
		}
		in.Options = opts
		out = append(out, in)
	}
	return out, nil
}

// scalar is a scalar's value ("" for anything else).
func (w *walker) scalar(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	if n = w.node(n); n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}
