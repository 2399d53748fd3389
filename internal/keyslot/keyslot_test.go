package keyslot

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestKnownSlots(t *testing.T) {
	// CRC16("123456789") is the XMODEM check value; the slots are
	// CLUSTER KEYSLOT's answers from Redis 7.0.
	require.Equal(t, uint16(0x31C3), CRC16([]byte("123456789")))
	for key, want := range map[string]int{
		"":               0,
		"foo":            12182,
		"bar":            5061,
		"hello":          866,
		"{user1000}.foo": 3443,
		"{user1000}.bar": 3443,
		"user1000":       3443,
		"foo{}{bar}":     8363,
		"foo{{bar}}zap":  4015,
		"foo{bar}{zap}":  5061,
		"{":              4092,
		"}{":             12793,
		"a{b":            13340,
		"{}":             15257,
		"a{}b":           13694,
	} {
		require.Equal(t, want, SlotString(key), "key %q", key)
		require.Equal(t, want, Slot([]byte(key)), "key %q", key)
	}
}

func TestSlotAllocatesNothing(t *testing.T) {
	key := []byte("{user1000}.following")
	require.Zero(t, testing.AllocsPerRun(100, func() { Slot(key) }))
}

// TestSlotsAsRedis compares with CLUSTER KEYSLOT of a real Redis in
// cluster mode, on random binary keys with braces anywhere.
func TestSlotsAsRedis(t *testing.T) {
	bin := "/usr/bin/redis-server"
	if _, err := os.Stat(bin); err != nil {
		t.Skip("real Redis is needed")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--save", "", "--dir", dir,
		"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"))
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var c net.Conn
	var err error
	for range 200 {
		if c, err = net.Dial("unix", sock); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, err)
	defer c.Close()

	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	alphabet := []byte("{}{}ab\x00\xff")
	keys := make([][]byte, 3000)
	for i := range keys {
		k := make([]byte, rng.IntN(12))
		for j := range k {
			if rng.IntN(2) == 0 {
				k[j] = alphabet[rng.IntN(len(alphabet))]
			} else {
				k[j] = byte(rng.IntN(256))
			}
		}
		keys[i] = k
	}
	var out bytes.Buffer
	for _, k := range keys {
		fmt.Fprintf(&out, "*3\r\n$7\r\nCLUSTER\r\n$7\r\nKEYSLOT\r\n$%d\r\n%s\r\n", len(k), k)
	}
	go c.Write(out.Bytes())
	r := bufio.NewReader(c)
	for _, k := range keys {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, byte(':'), line[0], line)
		want, _ := strconv.Atoi(line[1 : len(line)-2])
		require.Equal(t, want, Slot(k), "key %q", k)
	}
}
