package auth

import (
	"net/http"
	"strings"
	"testing"
)

func TestPatternsMatchExactBytes(t *testing.T) {
	cases := []struct {
		pattern, resource string
		want              bool
	}{
		{"*", "anything", true},
		{"team-a/", "team-a/x", true},
		{"team-a/", "team-a/../team-b/x", true}, // a name of team-a's, not a path to team-b's
		{"team-a/", "team-ab/x", false},
		{"team-a/", "team-a", false},
		{"team-a/", "Team-a/x", false},
		{"team-a/", "team\u2010a/x", false}, // U+2010 HYPHEN, a look-alike
		{"team-a/", "team-а/x", false},      // Cyrillic а
		{"team-a/", "team-a\u2215x", false}, // U+2215 DIVISION SLASH
		{"team-a/", " team-a/x", false},
		{"team-a", "team-a", true},
		{"team-a", "team-ab", false},
		{"team-a", "team-a/x", false},
	}
	for _, c := range cases {
		if got := matches(c.pattern, c.resource); got != c.want {
			t.Errorf("matches(%q, %q) = %v, want %v", c.pattern, c.resource, got, c.want)
		}
	}
}

func TestBearer(t *testing.T) {
	long := "dlt_" + strings.Repeat("A", maxTokenBytes)
	cases := []struct {
		headers []string
		token   string
		reason  string
	}{
		{nil, "", reasonMissing},
		{[]string{"Bearer abc"}, "abc", ""},
		{[]string{"bearer abc"}, "abc", ""},
		{[]string{"Bearer abc=="}, "abc==", ""},
		{[]string{"Bearer abc", "Bearer def"}, "", reasonMany},
		{[]string{"Basic YWxpY2U6cHc="}, "", reasonScheme},
		{[]string{"Bearer"}, "", reasonScheme},
		{[]string{"Bearerabc"}, "", reasonScheme},
		{[]string{"Bearer "}, "", reasonMalformed},
		{[]string{"Bearer  abc"}, "", reasonMalformed},
		{[]string{"Bearer a b"}, "", reasonMalformed},
		{[]string{"Bearer =abc"}, "", reasonMalformed},
		{[]string{"Bearer ab=c"}, "", reasonMalformed},
		{[]string{"Bearer \"abc\""}, "", reasonMalformed},
		{[]string{"Bearer abç"}, "", reasonMalformed},
		{[]string{"Bearer " + long}, "", reasonTooLong},
	}
	for _, c := range cases {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		for _, h := range c.headers {
			r.Header.Add("Authorization", h)
		}
		token, reason := bearer(r)
		if token != c.token || reason != c.reason {
			t.Errorf("%q: got %q, %q; want %q, %q", c.headers, token, reason, c.token, c.reason)
		}
	}
}

func TestTokenEntryLetsItsTokenIn(t *testing.T) {
	token, entry, err := TokenEntry("ci-deploy", []string{"team-a"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, TokenPrefix) || len(token) != len(TokenPrefix)+43 {
		t.Fatalf("token %q", token)
	}
	if strings.Contains(entry, token) {
		t.Fatal("the entry holds the token")
	}
	p, err := Parse([]byte("tokens:\n" + entry))
	if err != nil {
		t.Fatal(err)
	}
	id := matchToken(p.tokens, token)
	if id == nil || id.Principal != "ci-deploy" || len(id.Groups) != 1 || id.Groups[0] != "team-a" {
		t.Fatalf("identity %+v", id)
	}
	if matchToken(p.tokens, token+"x") != nil || matchToken(p.tokens, token[:len(token)-1]) != nil {
		t.Fatal("a near token matched")
	}
	other, _ := NewToken()
	if other == token {
		t.Fatal("two tokens alike")
	}
}

func TestRulesGrantOnlyWhatTheySay(t *testing.T) {
	p, err := Parse([]byte(`
rules:
  - groups: [team-a]
    verbs: [acquire, read]
    resources: ["team-a/"]
  - principals: [oncall]
    verbs: [read]
    resources: ["*"]
`))
	if err != nil {
		t.Fatal(err)
	}
	a := &Identity{Principal: "ci", Groups: []string{"team-a"}}
	oncall := &Identity{Principal: "oncall"}
	for _, c := range []struct {
		id             *Identity
		verb, resource string
		want           bool
	}{
		{a, VerbAcquire, "team-a/x", true},
		{a, VerbRead, "team-a/x", true},
		{a, VerbAdmin, "team-a/x", false},
		{a, VerbAcquire, "team-b/x", false},
		{a, VerbAcquire, "team-ab/x", false},
		{oncall, VerbRead, "team-b/x", true},
		{oncall, VerbAcquire, "team-b/x", false},
		{&Identity{Principal: "team-a"}, VerbRead, "team-a/x", false}, // a principal is not a group
		{nil, VerbRead, "team-a/x", false},
	} {
		if got := p.Allowed(c.id, c.verb, c.resource); got != c.want {
			t.Errorf("%+v %s %s: %v, want %v", c.id, c.verb, c.resource, got, c.want)
		}
	}
}

// TestParseErrorsHideValues: an error names the entry at fault, never a value, so that a
// token pasted into the wrong field is not logged.
func TestParseErrorsHideValues(t *testing.T) {
	const secret = "dlt_SECRETSECRETSECRETSECRET"
	for _, file := range []string{
		"tokens:\n  - principal: x\n    sha256: " + secret + "\n",
		"tokens:\n  - principal: x\n    sha256: [" + secret + "]\n",
		"tokens: " + secret + "\n",
		"rules:\n  - groups: [a]\n    verbs: [" + secret + "]\n    resources: ['*']\n",
		"endpoints:\n  metrics: " + secret + "\n",
		"tokenz:\n  - " + secret + "\n",
		secret + ": 1\n",
	} {
		_, err := Parse([]byte(file))
		if err == nil {
			t.Errorf("%q parsed", file)
			continue
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("the error shows the value: %v", err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for file, want := range map[string]string{
		"tokens:\n  - sha256: " + strings.Repeat("a", 64) + "\n":                                                                              "principal is empty",
		"tokens:\n  - {principal: a, sha256: " + strings.Repeat("a", 64) + "}\n  - {principal: b, sha256: " + strings.Repeat("a", 64) + "}\n": "twice",
		"rules:\n  - verbs: [read]\n    resources: ['*']\n":                                                                                   "no principals",
		"rules:\n  - groups: [a]\n    resources: ['*']\n":                                                                                     "no verbs",
		"rules:\n  - groups: [a]\n    verbs: [read]\n":                                                                                        "no resources",
		"rules:\n  - groups: [a]\n    verbs: [read]\n    resources: ['team-a/*']\n":                                                           "only \"*\" alone",
		"rules:\n  - groups: [a]\n    verbs: [read]\n    resources: ['']\n":                                                                   "empty resource",
		"endpoints:\n  reflection: maybe\n":                                                                                                   "not one of",
	} {
		if _, err := Parse([]byte(file)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error with %q", file, err, want)
		}
	}
}
