package tests

// The status page in a real browser: a chain A <- B <- C of our servers,
// A's page rendered by headless Chromium (Debian's chromium package; make
// test installs it), its DOM after the JavaScript ran and a screenshot.

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// chromium runs headless Chromium on url with args and returns its
// standard output. A missing browser fails the test: make test installs it.
func chromium(t *testing.T, url string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	require.NoError(t, err, "chromium is missing: `make chromium` installs Debian's package")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=5000"}, args...)
	cmd := exec.CommandContext(ctx, bin, append(full, url)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "chromium %v: %s", args, stderr.String())
	return string(out)
}

// statusTree is the part of /status.json the test reads.
type statusTree struct {
	Addr       string        `json:"addr"`
	Role       string        `json:"role"`
	State      string        `json:"state"`
	LinkStatus string        `json:"link_status"`
	Offset     *int64        `json:"offset"`
	LagBytes   *int64        `json:"lag_bytes"`
	Error      string        `json:"error"`
	Replicas   []*statusTree `json:"replicas"`
}

// nodeDivs reads the rendered page's node boxes: for each div with a
// data-addr, its state and the data-addr of the node div it is inside.
func nodeDivs(dom string) (state, parent map[string]string) {
	state, parent = map[string]string{}, map[string]string{}
	tag := regexp.MustCompile(`<(/?)div\b([^>]*)>`)
	attr := regexp.MustCompile(`data-(addr|state)="([^"]*)"`)
	var stack []string // the data-addr of each open div, "" for others
	for _, m := range tag.FindAllStringSubmatch(dom, -1) {
		if m[1] == "/" {
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		addr, st := "", ""
		for _, a := range attr.FindAllStringSubmatch(m[2], -1) {
			if a[1] == "addr" {
				addr = a[2]
			} else {
				st = a[2]
			}
		}
		if addr != "" {
			state[addr] = st
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i] != "" {
					parent[addr] = stack[i]
					break
				}
			}
		}
		stack = append(stack, addr)
	}
	return state, parent
}

func TestStatusPageChain(t *testing.T) {
	oursOnly(t)
	ctx := context.Background()
	mA, mB := freePort(t), freePort(t)
	a := startNode(t, "", "--metrics-port", strconv.Itoa(mA), "--bind", "127.0.0.1")
	b := startNode(t, "", "--metrics-port", strconv.Itoa(mB), "--bind", "127.0.0.1",
		"--replicaof", "127.0.0.1", strconv.Itoa(a.Port))
	c := startNode(t, "", "--bind", "127.0.0.1", "--replicaof", "127.0.0.1", strconv.Itoa(b.Port))
	for i := 0; i < 100; i++ {
		require.NoError(t, a.c.Set(ctx, fmt.Sprintf("k%d", i), i, 0).Err())
	}
	waitSynced(t, a, b, c)
	addrA, addrB, addrC := a.Addr(), b.Addr(), c.Addr()

	// The data: A sees B, and C through B, all online.
	waitFor(t, syncTimeout, "A's tree to show A <- B <- C online", func() (bool, string) {
		body := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/status.json", mA))
		var st struct{ Tree statusTree }
		require.NoError(t, json.Unmarshal([]byte(body), &st), body)
		tr := st.Tree
		ok := tr.Addr == addrA && tr.Role == "master" && len(tr.Replicas) == 1
		if ok {
			rb := tr.Replicas[0]
			ok = rb.Addr == addrB && rb.State == "online" && rb.LinkStatus == "up" && rb.Role == "slave" &&
				rb.LagBytes != nil && *rb.LagBytes == 0 && len(rb.Replicas) == 1
			if ok {
				rc := rb.Replicas[0]
				ok = rc.Addr == addrC && rc.State == "online" && rc.LinkStatus == "up" && rc.Error == "" &&
					rc.Offset != nil && *rc.Offset == *tr.Offset
			}
		}
		return ok, body
	})

	// The page, after its script fetched /status.json and drew the tree:
	// its DOM, and a screenshot taken by the same run.
	shot := filepath.Join(t.TempDir(), "status.png")
	dom := chromium(t, fmt.Sprintf("http://127.0.0.1:%d/", mA), "--dump-dom", "--screenshot="+shot, "--window-size=1000,700")
	state, parent := nodeDivs(dom)
	require.Equal(t, map[string]string{addrA: "self", addrB: "online", addrC: "online"}, state, dom)
	require.Equal(t, map[string]string{addrB: addrA, addrC: addrB}, parent, dom)
	require.Contains(t, dom, `id="self">`+addrA+"<")

	// B's page shows A as its master above it.
	dom = chromium(t, fmt.Sprintf("http://127.0.0.1:%d/", mB), "--dump-dom")
	state, _ = nodeDivs(dom)
	require.Equal(t, map[string]string{addrA: "master", addrB: "self", addrC: "online"}, state, dom)

	// The screenshot: the blue box of A, then the green boxes of B and C,
	// each indented under the one above.
	f, err := os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 1000, 700), img.Bounds())
	blue := colourBands(img, 0x2f, 0x6f, 0xd6)
	green := colourBands(img, 0x2e, 0x9e, 0x4f)
	require.Len(t, blue, 1, "one blue box header (this node): %v", blue)
	require.Len(t, green, 2, "two green box headers (B and C): %v", green)
	require.Less(t, blue[0].Max.Y, green[0].Min.Y, "B below A")
	require.Less(t, green[0].Max.Y, green[1].Min.Y, "C below B")
	require.Less(t, blue[0].Min.X, green[0].Min.X, "B indented under A")
	require.Less(t, green[0].Min.X, green[1].Min.X, "C indented under B")
	for _, r := range append(blue, green...) {
		require.GreaterOrEqual(t, r.Dx(), 200, "a box header %v", r)
		require.GreaterOrEqual(t, r.Dy(), 20, "a box header %v", r)
	}
}

// colourBands finds the horizontal bands of rows holding at least 100
// pixels of the colour (within a small tolerance), each with the bounding
// box of those pixels.
func colourBands(img image.Image, r, g, b uint8) []image.Rectangle {
	near := func(x, y int) bool {
		cr, cg, cb, _ := img.At(x, y).RGBA()
		d := func(c uint32, want uint8) bool { v := int(c>>8) - int(want); return v > -8 && v < 8 }
		return d(cr, r) && d(cg, g) && d(cb, b)
	}
	var bands []image.Rectangle
	var cur *image.Rectangle
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		n, minX, maxX := 0, bd.Max.X, bd.Min.X
		for x := bd.Min.X; x < bd.Max.X; x++ {
			if near(x, y) {
				n++
				minX, maxX = min(minX, x), max(maxX, x+1)
			}
		}
		if n < 100 {
			cur = nil
			continue
		}
		if cur == nil {
			bands = append(bands, image.Rect(minX, y, maxX, y+1))
			cur = &bands[len(bands)-1]
			continue
		}
		*cur = cur.Union(image.Rect(minX, y, maxX, y+1))
	}
	return bands
}
