package freeport

import (
	"net"
	"strconv"
	"testing"
)

// The ports found can be bound: the single one, and the RTP block of four from an
// even port.
func TestFreePorts(t *testing.T) {
	p, err := UDP()
	if err != nil || p <= 0 {
		t.Fatalf("UDP: %d, %v", p, err)
	}
	r, err := RTP()
	if err != nil || r%2 != 0 {
		t.Fatalf("RTP: %d, %v", r, err)
	}
	var held []net.PacketConn
	t.Cleanup(func() {
		for _, c := range held {
			c.Close()
		}
	})
	for d := range 4 {
		c, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(r+d))
		if err != nil {
			t.Fatalf("port %d of the block: %v", r+d, err)
		}
		held = append(held, c)
	}
}
