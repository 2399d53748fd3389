package resp

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAppendDoubleMatchesPrintf(t *testing.T) {
	// Expected strings are what C's printf("%.17g") prints.
	cases := map[float64]string{
		1.1: "1.1000000000000001", 1e21: "1e+21", 0.1: "0.10000000000000001", 3: "3",
		1e-5: "1.0000000000000001e-05", -2.5: "-2.5", 123456789012345678: "1.2345678901234568e+17",
		1e16: "10000000000000000", 1e17: "1e+17", 0.0001: "0.0001", 100: "100", 1.5e300: "1.5000000000000001e+300",
	}
	for f, want := range cases {
		assert.Equal(t, want, string(AppendDouble(nil, f)), "%v", f)
	}
}

func TestWriterFraming(t *testing.T) {
	w2, w3 := &Writer{Proto: 2}, &Writer{Proto: 3}
	for _, w := range []*Writer{w2, w3} {
		w.MapLen(1)
		w.BulkString("a")
		w.Double(1.5)
		w.Null()
		w.Bool(true)
		w.Error("bad thing\nhappened")
		w.Error("WRONGTYPE x")
	}
	assert.Equal(t, "*2\r\n$1\r\na\r\n$3\r\n1.5\r\n$-1\r\n:1\r\n-ERR bad thing happened\r\n-WRONGTYPE x\r\n", string(w2.Buf))
	assert.Equal(t, "%1\r\n$1\r\na\r\n,1.5\r\n_\r\n#t\r\n-ERR bad thing happened\r\n-WRONGTYPE x\r\n", string(w3.Buf))
}

func TestDeferredLen(t *testing.T) {
	w := &Writer{Proto: 2}
	w.Int(7)
	d := w.Defer()
	for i := 0; i < 12; i++ {
		w.Int(int64(i))
	}
	w.SetArrayLen(d, 12)
	assert.Equal(t, ":7\r\n*12\r\n:0\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n:6\r\n:7\r\n:8\r\n:9\r\n:10\r\n:11\r\n", string(w.Buf))
}

func TestAppendCommand(t *testing.T) {
	assert.Equal(t, "*2\r\n$6\r\nSELECT\r\n$2\r\n10\r\n", string(AppendCommand(nil, "SELECT", "10")))
	assert.Equal(t, "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$2\r\n\r\n\r\n",
		string(AppendCommand([]byte(nil), []byte("SET"), []byte{}, []byte("\r\n"))))
	assert.Equal(t, "x*0\r\n", string(AppendCommand[string]([]byte("x"))))
}
