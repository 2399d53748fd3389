package metrics

// The status page: one HTML file with its CSS and JavaScript inline,
// embedded in the binary, which polls /status.json and draws the tree.

import (
	_ "embed"
	"net/http"
)

//go:embed page/index.html
var indexHTML []byte

func (m *Metrics) servePage(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != "/" {
		http.NotFound(w, req)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(indexHTML)
}
