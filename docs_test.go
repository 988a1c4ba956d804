package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// markdownFiles are the documents a user reads: the README and docs/.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"README.md"}, files...)
}

// closingFence is a line that closes a fenced code block; anyFence a line that starts like
// one, whatever follows.
var (
	closingFence = regexp.MustCompile("^ *(`{3,}|~{3,})[ \t]*$")
	anyFence     = regexp.MustCompile("^ *(`{3,}|~{3,})")
)

// TestMarkdownRendersAsWritten parses each document as GitHub does (CommonMark with GitHub's
// extensions) and fails on a fenced code block that is never closed, or that swallows a
// line meant to be a fence (such as "``` text", which is not one: everything after it
// would render as code), and on a relative link to a file or heading that does not exist.
func TestMarkdownRendersAsWritten(t *testing.T) {
	t.Parallel()
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	for _, file := range markdownFiles(t) {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		doc := md.Parser().Parse(text.NewReader(src))
		err = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if !entering {
				return ast.WalkContinue, nil
			}
			switch n := n.(type) {
			case *ast.FencedCodeBlock:
				checkFence(t, file, src, n)
			case *ast.Link:
				checkLink(t, file, string(n.Destination))
			case *ast.Image:
				checkLink(t, file, string(n.Destination))
			}
			return ast.WalkContinue, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// lineOf is the 1-based line of offset in src.
func lineOf(src []byte, offset int) int { return bytes.Count(src[:offset], []byte("\n")) + 1 }

// checkFence fails when the block holds a line that starts like a fence, or when no
// closing fence follows its last line.
func checkFence(t *testing.T, file string, src []byte, n *ast.FencedCodeBlock) {
	t.Helper()
	lines := n.Lines()
	if lines.Len() == 0 {
		return
	}
	for i := range lines.Len() {
		seg := lines.At(i)
		if line := strings.TrimRight(string(seg.Value(src)), "\n"); anyFence.MatchString(line) {
			t.Errorf("%s:%d: a code block holds %q, which is not a closing fence: what follows renders as code", file, lineOf(src, seg.Start), line)
		}
	}
	end := lines.At(lines.Len() - 1).Stop
	next, _, _ := strings.Cut(string(src[end:]), "\n")
	if !closingFence.MatchString(strings.TrimLeft(next, " ")) && !closingFence.MatchString(strings.TrimSpace(next)) {
		t.Errorf("%s:%d: the code block opened here is never closed", file, lineOf(src, lines.At(0).Start)-1)
	}
}

// checkLink fails on a relative link to a missing file, or to a heading its file lacks.
func checkLink(t *testing.T, file, dest string) {
	t.Helper()
	if dest == "" || strings.Contains(dest, "://") || strings.HasPrefix(dest, "mailto:") {
		return
	}
	path, anchor, _ := strings.Cut(dest, "#")
	target := file
	if path != "" {
		target = filepath.Join(filepath.Dir(file), path)
		if _, err := os.Stat(target); err != nil {
			t.Errorf("%s: the link %q names %s, which does not exist", file, dest, target)
			return
		}
	}
	if anchor == "" || !strings.HasSuffix(target, ".md") {
		return
	}
	src, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	if !headingSlugs(src)[anchor] {
		t.Errorf("%s: the link %q names a heading %s does not have", file, dest, target)
	}
}

// headingSlugs are the anchors GitHub gives the headings of a document: lower case,
// punctuation dropped, spaces made hyphens, "-1", "-2" … for repeats.
func headingSlugs(src []byte) map[string]bool {
	slugs := map[string]bool{}
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(src))
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		h, ok := n.(*ast.Heading)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		var b strings.Builder
		for _, r := range strings.ToLower(headingText(h, src)) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		slug := b.String()
		for i := 1; slugs[slug]; i++ {
			slug = fmt.Sprintf("%s-%d", b.String(), i)
		}
		slugs[slug] = true
		return ast.WalkSkipChildren, nil
	})
	return slugs
}

// headingText is a heading's text, as GitHub makes its anchor of it (code spans included).
func headingText(h *ast.Heading, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(h, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := n.(*ast.Text); ok && entering {
			b.Write(t.Segment.Value(src))
		}
		if s, ok := n.(*ast.String); ok && entering {
			b.Write(s.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
