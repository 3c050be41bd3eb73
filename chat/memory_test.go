package chat

import (
	"bufio"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestIdleConnectionMemory measures the server's RSS per idle connection
// (a guest joined to a room) with the server in a child process, so the
// test's own clients do not count. It is a measurement, not an assertion:
// run it with CHAT_MEASURE_RSS=1 (N connections, default 2000).
func TestIdleConnectionMemory(t *testing.T) {
	if os.Getenv("CHAT_MEASURE_RSS") == "" {
		t.Skip("set CHAT_MEASURE_RSS=1 to measure")
	}
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("CHAT_MEASURE_RSS")); err == nil && v > 1 {
		n = v
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryServerProcess$")
	cmd.Env = append(os.Environ(), "CHAT_MEMORY_SERVER=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	lines := bufio.NewScanner(stdout)
	readLine := func() string {
		for lines.Scan() {
			if l := lines.Text(); strings.HasPrefix(l, "mem ") || strings.HasPrefix(l, "url ") {
				return l
			}
		}
		t.Fatalf("child ended: %v", lines.Err())
		return ""
	}
	url := strings.TrimPrefix(readLine(), "url ")
	measure := func() (rss, heap, stack int64) {
		fmt.Fprintln(stdin, "measure")
		fmt.Sscanf(readLine(), "mem %d %d %d", &rss, &heap, &stack)
		return
	}
	rss0, heap0, stack0 := measure()
	conns := make([]*websocket.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, _, err := websocket.DefaultDialer.Dial(url+"/ws?room=idle", nil)
		if err != nil {
			t.Fatal(err)
		}
		for joined := false; !joined; {
			_, data, err := c.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			joined = strings.Contains(string(data), `"type":"joined"`)
		}
		conns = append(conns, c)
	}
	rss1, heap1, stack1 := measure()
	t.Logf("%d idle connections: RSS %.1f KB/conn (heap %.1f KB, stacks %.1f KB)", n,
		float64(rss1-rss0)/1024/float64(n), float64(heap1-heap0)/1024/float64(n), float64(stack1-stack0)/1024/float64(n))
}

// TestMemoryServerProcess is the child of TestIdleConnectionMemory.
func TestMemoryServerProcess(t *testing.T) {
	if os.Getenv("CHAT_MEMORY_SERVER") == "" {
		t.Skip("child process of TestIdleConnectionMemory")
	}
	cfg := DefaultConfig()
	cfg.SDKAppID, cfg.SecretKey = testAppID, testKey
	s, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	fmt.Println("url ws" + strings.TrimPrefix(srv.URL, "http"))
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Printf("mem %d %d %d\n", vmRSS(), ms.HeapInuse, ms.StackInuse)
	}
	cancel()
	<-done
}

func vmRSS() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}
