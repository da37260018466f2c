// Package urlmask hides the secrets a URL can carry (the password of its
// user info, the values of its query) in text meant for people: errors,
// warnings, span attributes and command output. Its functions are pure and
// safe for concurrent use.
package urlmask

import (
	"net/url"
	"sort"
	"strings"
)

// Mask is what replaces a secret.
const Mask = "[REDACTED]"

// minSecret is the shortest query value treated as a secret: shorter
// values ("1", "v2") are never credentials and masking them would blot out
// ordinary text where they occur.
const minSecret = 4

// publicParams are query parameters whose values are never secret.
var publicParams = map[string]bool{"api-version": true}

// URL returns s with the password of its user info and every query value
// (but api-version) replaced by [Mask]; s is returned as it is when it is
// not a URL with a scheme. The user name is kept.
func URL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return s
	}
	changed := false
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), Mask)
			changed = true
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k, vs := range q {
			if publicParams[strings.ToLower(k)] {
				continue
			}
			for i := range vs {
				vs[i] = Mask
			}
			changed = true
		}
		u.RawQuery = q.Encode()
	}
	if !changed {
		return s
	}
	return strings.ReplaceAll(u.String(), url.QueryEscape(Mask), Mask)
}

// Secrets returns the secrets s carries as a URL (the password of its user
// info and its query values but api-version, each at least 4 bytes long),
// raw and as they are escaped in the URL, for masking them wherever the
// text of an error repeats them. It returns nil for a URL without any.
func Secrets(s string) []string {
	u, err := url.Parse(s)
	if err != nil {
		return nil
	}
	var out []string
	add := func(v string) {
		if len(v) < minSecret {
			return
		}
		out = append(out, v)
		for _, e := range []string{url.QueryEscape(v), url.PathEscape(v)} {
			if e != v {
				out = append(out, e)
			}
		}
	}
	if u.User != nil {
		if p, has := u.User.Password(); has {
			add(p)
		}
	}
	for k, vs := range u.Query() {
		if publicParams[strings.ToLower(k)] {
			continue
		}
		for _, v := range vs {
			add(v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// Text returns s with every one of secrets replaced by [Mask], the longest
// first (so that a secret containing another is masked whole).
func Text(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Mask)
		}
	}
	return s
}
