package sim

import (
	"net"
	"net/netip"
	"strings"
	"testing"
)

// OS-chosen ports bind UDP and TCP on one port; a port named by the caller whose TCP
// side is taken is an error that names it, not a silent move to another port.
func TestListenUDPTCP(t *testing.T) {
	udp, tcp, err := listenUDPTCP(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	port := udp.LocalAddr().(*net.UDPAddr).Port
	if tp := tcp.Addr().(*net.TCPAddr).Port; tp != port {
		t.Errorf("udp port %d, tcp port %d", port, tp)
	}
	udp.Close()
	// the TCP side of that port stays taken
	_, _, err = listenUDPTCP(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)))
	if err == nil || !strings.Contains(err.Error(), "sim listen tcp") {
		t.Errorf("taken tcp port: %v", err)
	}
	tcp.Close()
}
