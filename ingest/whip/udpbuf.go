package whip

import (
	"net"

	"github.com/pion/transport/v4"
	"github.com/pion/transport/v4/stdnet"
)

// udpReadBuffer is the socket receive buffer asked for each ICE UDP socket
// (the kernel caps it at net.core.rmem_max, 4 MiB on Debian): a 720p
// keyframe arrives as a burst of a hundred packets per publisher, and the
// default 208 KiB drops the burst's tail when the agent's readers are a
// few milliseconds late on a busy board.
const udpReadBuffer = 4 << 20

// bufferedNet is the standard network with bigger UDP receive buffers.
type bufferedNet struct{ *stdnet.Net }

func newBufferedNet() (transport.Net, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, err
	}
	return bufferedNet{n}, nil
}

// ListenUDP is used by ICE for the per-session host candidates.
func (n bufferedNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err == nil {
		_ = c.SetReadBuffer(udpReadBuffer) // best effort: the kernel may cap it
	}
	return c, err
}
