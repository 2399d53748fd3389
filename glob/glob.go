// Package glob is glob-style matching, exactly as Redis's stringmatchlen
// (util.c), which KEYS, SCAN MATCH, PSUBSCRIBE and CONFIG GET use. It is
// its own package because both db and config need it. The quirks are Redis's
// and are kept on purpose, since patterns written against Redis must select
// the same keys:
//
//   - '*' never matches the empty string on its own: "*" and "**" do not
//     match "" (KEYS and SCAN special-case the exact pattern "*");
//   - an unterminated class runs to the end of the pattern ("[abc" is
//     "[abc]", "[^" matches any one byte, "[" matches nothing);
//   - in a class, "x-y" is a range whatever y is ("[a-]" is the range
//     ']'..'a'), reversed bounds are swapped, and "\c" is c literally;
//   - recursion deeper than 1000 stars fails the match.
package glob

// Match reports whether str matches the glob pattern, ignoring ASCII case
// when nocase is set.
func Match(pattern, str []byte, nocase bool) bool {
	skipLonger := false
	return matchGlob(pattern, str, nocase, &skipLonger, 0)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// matchGlob is stringmatchlen_impl. skipLonger is set when the rest of the
// pattern after a '*' matched nowhere in the rest of the string: an earlier
// '*' swallowing more bytes cannot help then, so every caller gives up.
func matchGlob(p, s []byte, nocase bool, skipLonger *bool, nesting int) bool {
	if nesting > 1000 {
		return false
	}
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for ; len(s) > 0; s = s[1:] {
				if matchGlob(p[1:], s, nocase, skipLonger, nesting+1) {
					return true
				}
				if *skipLonger {
					return false
				}
			}
			*skipLonger = true
			return false
		case '?':
			s = s[1:]
		case '[':
			var ok bool
			if p, ok = matchClass(p, s[0], nocase); !ok {
				return false
			}
			s = s[1:]
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if p[0] != s[0] && (!nocase || lower(p[0]) != lower(s[0])) {
				return false
			}
			s = s[1:]
		}
		p = p[1:]
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}

// matchClass matches c against the class that starts at p (on its '['). It
// returns the pattern positioned on the class's last byte (the ']', or the
// pattern's last byte for an unterminated class), which the caller then
// steps over.
func matchClass(p []byte, c byte, nocase bool) ([]byte, bool) {
	whole := p
	p = p[1:]
	not := len(p) > 0 && p[0] == '^'
	if not {
		p = p[1:]
	}
	match := false
	for {
		if len(p) >= 2 && p[0] == '\\' {
			p = p[1:]
			if p[0] == c {
				match = true
			}
		} else if len(p) == 0 {
			// Unterminated: back up onto the pattern's last byte.
			p = whole[len(whole)-1:]
			break
		} else if p[0] == ']' {
			break
		} else if len(p) >= 3 && p[1] == '-' {
			start, end, cc := p[0], p[2], c
			if start > end {
				start, end = end, start
			}
			if nocase {
				start, end, cc = lower(start), lower(end), lower(cc)
			}
			p = p[2:]
			if cc >= start && cc <= end {
				match = true
			}
		} else if p[0] == c || nocase && lower(p[0]) == lower(c) {
			match = true
		}
		p = p[1:]
	}
	if not {
		match = !match
	}
	return p, match
}
