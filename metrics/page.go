package metrics

// The status page: one HTML file with its CSS and JavaScript inline,
// embedded in the binary, which polls /status.json and draws the tree.

import _ "embed"

//go:embed page/index.html
var indexHTML []byte

func (m *Metrics) servePage() page {
	return page{status: 200, contentType: "text/html; charset=utf-8", body: indexHTML}
}
