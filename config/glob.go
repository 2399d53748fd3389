// This file holds CONFIG GET's pattern matcher, a port of util.c's
// stringmatchlen. It is not path.Match: '[^a-z]' negates (and '[!a-z]' does
// not), a range may be written backwards ('[z-a]'), a backslash escapes, and
// an unterminated '[' matches up to the end of the pattern.

package config

// globMatch reports whether s matches pattern, ignoring ASCII case when
// nocase is set.
func globMatch(pattern, s string, nocase bool) bool {
	skipLonger := false
	return globMatchAt(pattern, s, nocase, &skipLonger)
}

// globMatchAt is the recursive worker. skipLonger is set once a '*' has
// tried every suffix of s without success: an earlier '*' cannot do better by
// consuming more, so the whole match fails fast (Redis's fix for exponential
// patterns).
func globMatchAt(pat, s string, nocase bool, skipLonger *bool) bool {
	// at reads pattern bytes like the C code reads its NUL-terminated
	// string: past the end there is a 0.
	at := func(i int) byte {
		if i < len(pat) {
			return pat[i]
		}
		return 0
	}
	p := 0
	for p < len(pat) && len(s) > 0 {
		switch pat[p] {
		case '*':
			for p < len(pat) && at(p+1) == '*' {
				p++
			}
			if p == len(pat)-1 {
				return true
			}
			for len(s) > 0 {
				if globMatchAt(pat[p+1:], s, nocase, skipLonger) {
					return true
				}
				if *skipLonger {
					return false
				}
				s = s[1:]
			}
			*skipLonger = true
			return false
		case '?':
			s = s[1:]
		case '[':
			var match bool
			p, match = matchClass(pat, p+1, s[0], nocase)
			if !match {
				return false
			}
			s = s[1:]
		default:
			if pat[p] == '\\' && len(pat)-p >= 2 {
				p++
			}
			if !sameByte(pat[p], s[0], nocase) {
				return false
			}
			s = s[1:]
		}
		p++
		if len(s) == 0 {
			for at(p) == '*' {
				p++
			}
			break
		}
	}
	return p >= len(pat) && len(s) == 0
}

// matchClass matches c against the bracket expression starting at pat[p]
// (just past the '['). It returns the index of the closing ']' (or of the
// last pattern byte when there is none) and whether c matched.
func matchClass(pat string, p int, c byte, nocase bool) (int, bool) {
	not := p < len(pat) && pat[p] == '^'
	if not {
		p++
	}
	match := false
	for {
		switch {
		case p < len(pat) && pat[p] == '\\' && len(pat)-p >= 2:
			p++
			if pat[p] == c {
				match = true
			}
		case p < len(pat) && pat[p] == ']':
			return p, match != not
		case p >= len(pat):
			return p - 1, match != not
		case len(pat)-p >= 3 && pat[p+1] == '-':
			start, end, ch := pat[p], pat[p+2], c
			if start > end {
				start, end = end, start
			}
			if nocase {
				start, end, ch = lower(start), lower(end), lower(ch)
			}
			p += 2
			if ch >= start && ch <= end {
				match = true
			}
		default:
			if sameByte(pat[p], c, nocase) {
				match = true
			}
		}
		p++
	}
}

func sameByte(a, b byte, nocase bool) bool {
	if nocase {
		return lower(a) == lower(b)
	}
	return a == b
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
