package freeport

import (
	"errors"
	"net"
	"strconv"
)

// UDP is a loopback UDP port free now.
func UDP() (int, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

// RTP is an even loopback UDP port p with p..p+3 free (SIPp uses the media port and
// the one two above it; RTCP takes p+1).
func RTP() (int, error) {
	for range 50 {
		p, err := UDP()
		if err != nil {
			return 0, err
		}
		p &^= 1
		var held []net.PacketConn
		ok := true
		for d := range 4 {
			c, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(p+d))
			if err != nil {
				ok = false
				break
			}
			held = append(held, c)
		}
		for _, c := range held {
			c.Close()
		}
		if ok {
			return p, nil
		}
	}
	return 0, errors.New("no free block of 4 UDP ports")
}
