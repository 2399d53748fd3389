package db

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// LOLWUT, as Redis's lolwut.c, lolwut5.c and lolwut6.c: computer art and
// the version. LOLWUT of a 7.x server shows the version only; VERSION 5
// draws Georg Nees's Schotter in braille characters, VERSION 6 a skyline
// in the four gray levels of the terminal. The drawings are random, as in
// Redis; the arithmetic keeps C's float32 steps, so the parts that are not
// random are Redis's to the pixel.

func init() {
	register("lolwut", lolwutCommand)
}

// lolwutCommand is LOLWUT [VERSION v] [arguments of that version].
func lolwutCommand(c *Client) {
	v := RedisVersion
	args := c.Argv[1:]
	if len(c.Argv) >= 3 && c.ArgIs(1, "version") {
		n, ok := ParseInt(c.Argv[2])
		if !ok {
			c.Error(ErrNotInteger)
			return
		}
		v = fmt.Sprintf("%d.0.0", uint32(n))
		args = c.Argv[3:]
	}
	switch {
	case v[0] == '5' && v[1] == '.' && v[2] != '9', v[0] == '4' && v[1] == '.' && v[2] == '9':
		lolwut5(c, args)
	case v[0] == '6' && v[1] == '.' && v[2] != '9', v[0] == '5' && v[1] == '.' && v[2] == '9':
		lolwut6(c, args)
	default:
		c.Verbatim("Redis ver. " + RedisVersion + "\n")
	}
}

// lolwutArgs parses the optional integer arguments into dst, each clamped
// to [1, limit]; false when one is not an integer (the client has the
// error).
func lolwutArgs(c *Client, args [][]byte, limit int64, dst ...*int64) bool {
	for i, a := range args {
		if i == len(dst) {
			break
		}
		n, ok := ParseInt(a)
		if !ok {
			c.Error(ErrNotInteger)
			return false
		}
		*dst[i] = n
	}
	for _, d := range dst {
		*d = min(max(*d, 1), limit)
	}
	return true
}

// crand is C's rand(): 0 to RAND_MAX.
func crand() int { return int(rand.Uint32() >> 1) }

const randMax = math.MaxInt32

// canvas is lwCanvas: width*height pixels of a small color each.
type canvas struct {
	width, height int
	pixels        []byte
}

func newCanvas(width, height int, bg byte) *canvas {
	cv := &canvas{width: width, height: height, pixels: make([]byte, width*height)}
	for i := range cv.pixels {
		cv.pixels[i] = bg
	}
	return cv
}

func (cv *canvas) draw(x, y int, color byte) {
	if x >= 0 && x < cv.width && y >= 0 && y < cv.height {
		cv.pixels[x+y*cv.width] = color
	}
}

func (cv *canvas) get(x, y int) byte {
	if x < 0 || x >= cv.width || y < 0 || y >= cv.height {
		return 0
	}
	return cv.pixels[x+y*cv.width]
}

// line is Bresenham's, as lwDrawLine.
func (cv *canvas) line(x1, y1, x2, y2 int, color byte) {
	dx, dy := iabs(x2-x1), iabs(y2-y1)
	sx, sy := 1, 1
	if x1 >= x2 {
		sx = -1
	}
	if y1 >= y2 {
		sy = -1
	}
	err := dx - dy
	for {
		cv.draw(x1, y1, color)
		if x1 == x2 && y1 == y2 {
			return
		}
		e2 := err * 2
		if e2 > -dy {
			err -= dy
			x1 += sx
		}
		if e2 < dx {
			err += dx
			y1 += sy
		}
	}
}

func iabs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// square is lwDrawSquare: a square of side size centred on x, y, turned
// by angle.
func (cv *canvas) square(x, y int, size, angle float32, color byte) {
	size = float32(float64(size) / 1.4142135623)
	size = float32(math.Round(float64(size)))
	var px, py [4]int
	k := float32(math.Pi/4 + float64(angle))
	for j := 0; j < 4; j++ {
		px[j] = int(math.Round(math.Sin(float64(k))*float64(size) + float64(x)))
		py[j] = int(math.Round(math.Cos(float64(k))*float64(size) + float64(y)))
		k = float32(float64(k) + math.Pi/2)
	}
	for j := 0; j < 4; j++ {
		cv.line(px[j], py[j], px[(j+1)%4], py[(j+1)%4], color)
	}
}

// lolwut5 is LOLWUT VERSION 5 [columns [squares-per-row [squares-per-col]]].
func lolwut5(c *Client, args [][]byte) {
	cols, perRow, perCol := int64(66), int64(8), int64(12)
	if !lolwutArgs(c, args, 1000, &cols) || !lolwutArgs(c, args[min(len(args), 1):], 200, &perRow, &perCol) {
		return
	}
	cv := schotter(int(cols), int(perRow), int(perCol))
	var b strings.Builder
	for y := 0; y < cv.height; y += 4 {
		for x := 0; x < cv.width; x += 2 {
			bits := 0
			for i, p := range [8][2]int{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}, {0, 3}, {1, 3}} {
				if cv.get(x+p[0], y+p[1]) != 0 {
					bits |= 1 << i
				}
			}
			b.WriteRune(rune(0x2800 + bits)) // braille: three bytes of UTF-8
		}
		if y != cv.height-1 {
			b.WriteByte('\n')
		}
	}
	b.WriteString("\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. " + RedisVersion + "\n")
	c.Verbatim(b.String())
}

// schotter is lwDrawSchotter: rows of squares, more and more disordered
// from the third row down.
func schotter(consoleCols, perRow, perCol int) *canvas {
	width := consoleCols * 2
	padding := 0
	if width > 4 {
		padding = 2
	}
	side := float32(width-padding*2) / float32(perRow)
	height := int(side*float32(perCol) + float32(padding*2))
	cv := newCanvas(width, height, 0)
	for y := 0; y < perCol; y++ {
		for x := 0; x < perRow; x++ {
			sx := int(float32(x)*side + side/2 + float32(padding))
			sy := int(float32(y)*side + side/2 + float32(padding))
			var angle float32
			if y > 1 {
				r := func() float32 { return float32(crand()) / float32(randMax) / float32(perCol) * float32(y) }
				r1, r2, r3 := r(), r(), r()
				if crand()%2 != 0 {
					r1 = -r1
				}
				if crand()%2 != 0 {
					r2 = -r2
				}
				if crand()%2 != 0 {
					r3 = -r3
				}
				angle = r1
				sx = int(float32(sx) + r2*side/3)
				sy = int(float32(sy) + r3*side/3)
			}
			cv.square(sx, sy, side, angle, 1)
		}
	}
	return cv
}

// lolwut6 is LOLWUT VERSION 6 [columns [rows]].
func lolwut6(c *Client, args [][]byte) {
	cols, rows := int64(80), int64(20)
	if !lolwutArgs(c, args, 1000, &cols, &rows) {
		return
	}
	cv := newCanvas(int(cols), int(rows), 3)
	skyline(cv)
	var b strings.Builder
	for y := 0; y < cv.height; y++ {
		for x := 0; x < cv.width; x++ {
			ce := "0;30;40m" // black
			switch cv.get(x, y) {
			case 1:
				ce = "0;90;100m"
			case 2:
				ce = "0;37;47m"
			case 3:
				ce = "0;97;107m"
			}
			b.WriteString("\033[" + ce + " \033[0m")
		}
		if y != cv.height-1 {
			b.WriteByte('\n')
		}
	}
	b.WriteString("\nDedicated to the 8 bit game developers of past and present.\n" +
		"Original 8 bit image from Plaguemon by hikikomori. Redis ver. " + RedisVersion + "\n")
	c.Verbatim(b.String())
}

// skyscraper is one building of the skyline.
type skyscraper struct {
	xoff, width, height int
	windows             bool
	color               byte
}

// skyscraper draws si from the bottom of cv, as generateSkyscraper.
func (cv *canvas) skyscraper(si skyscraper) {
	starty := cv.height - 1
	endy := starty - si.height + 1
	for y := starty; y >= endy; y-- {
		for x := si.xoff; x < si.xoff+si.width; x++ {
			if y == endy && (x <= si.xoff+1 || x >= si.xoff+si.width-2) {
				continue // the roof is four pixels narrower
			}
			color := si.color
			if si.windows && x > si.xoff+1 && x < si.xoff+si.width-2 && y > endy+1 && y < starty-1 {
				relx, rely := x-(si.xoff+1), y-(endy+1)
				if relx/2%2 != 0 && rely%2 != 0 {
					for color = byte(1 + crand()%2); color == si.color; color = byte(1 + crand()%2) {
					}
					if relx%2 != 0 { // the two pixels of a window alike
						color = cv.get(x-1, y)
					}
				}
			}
			cv.draw(x, y, color)
		}
	}
}

// skyline is generateSkyline: two rows of gray buildings behind a row of
// black ones with lit windows.
func skyline(cv *canvas) {
	for color := byte(2); color >= 1; color-- {
		for offset := -10; offset < cv.width; {
			offset += crand() % 8
			si := skyscraper{xoff: offset, width: 10 + crand()%9, color: color}
			if color == 2 {
				si.height = cv.height/2 + crand()%cv.height/2
			} else {
				si.height = cv.height/2 + crand()%cv.height/3
			}
			cv.skyscraper(si)
			if color == 2 {
				offset += si.width / 2
			} else {
				offset += si.width + 1
			}
		}
	}
	for offset := -10; offset < cv.width; {
		offset += crand() % 8
		si := skyscraper{xoff: offset, width: 5 + crand()%14, windows: true}
		if si.width%4 != 0 {
			si.width += si.width % 3
		}
		si.height = cv.height/3 + crand()%cv.height/2
		cv.skyscraper(si)
		offset += si.width + 5
	}
}
