// Package modal is a TCP listener that can be closed and reopened under a server that
// keeps calling Accept (net/http.Server, grpc.Server), and that tracks its connections
// so they can be reset.
//
// Refusing: the listening socket is really closed (so the kernel answers SYNs with RST
// and a client sees ECONNREFUSED, and connections queued in the backlog are reset), and
// every open connection is closed with SO_LINGER 0, i.e. reset, as a killed server's
// would be. Accept blocks meanwhile; Reopen listens again on the same address.
package modal

import (
	"errors"
	"net"
	"sync"
	"time"
)

// Listener is the switchable listener.
type Listener struct {
	addr     string
	mu       sync.Mutex
	ln       net.Listener
	conns    map[*conn]struct{}
	ch       chan net.Conn
	closed   chan struct{}
	once     sync.Once
	accepted int64
}

// Listen opens addr.
func Listen(addr string) (*Listener, error) {
	l := &Listener{addr: addr, conns: map[*conn]struct{}{}, ch: make(chan net.Conn), closed: make(chan struct{})}
	if err := l.open(); err != nil {
		return nil, err
	}
	// The bound address (addr may have port 0).
	l.addr = l.ln.Addr().String()
	return l, nil
}

func (l *Listener) open() error {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return err
	}
	l.ln = ln
	go l.loop(ln)
	return nil
}

func (l *Listener) loop(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // closed (refuse) or fatal
		}
		tc := &conn{Conn: c, l: l}
		l.mu.Lock()
		if l.ln != ln { // refused meanwhile
			l.mu.Unlock()
			resetConn(c)
			continue
		}
		l.conns[tc] = struct{}{}
		l.accepted++
		l.mu.Unlock()
		select {
		case l.ch <- tc:
		case <-l.closed:
			resetConn(c)
			return
		}
	}
}

// Accept waits for a connection; it blocks while the listener refuses.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Addr is the bound address.
func (l *Listener) Addr() net.Addr {
	a, _ := net.ResolveTCPAddr("tcp", l.addr)
	return a
}

// AddrString is the bound address as host:port.
func (l *Listener) AddrString() string { return l.addr }

// Close stops for good.
func (l *Listener) Close() error {
	l.once.Do(func() { close(l.closed) })
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		l.ln.Close()
		l.ln = nil
	}
	return nil
}

// Refuse closes the listening socket and resets every open connection. It returns how
// many connections it reset.
func (l *Listener) Refuse() int {
	l.mu.Lock()
	if l.ln != nil {
		l.ln.Close()
		l.ln = nil
	}
	l.mu.Unlock()
	return l.ResetAll()
}

// ResetAll resets (RST) every open connection, and returns how many.
func (l *Listener) ResetAll() int {
	l.mu.Lock()
	cs := make([]*conn, 0, len(l.conns))
	for c := range l.conns {
		cs = append(cs, c)
	}
	l.mu.Unlock()
	for _, c := range cs {
		resetConn(c.Conn)
		c.Close()
	}
	return len(cs)
}

// Reopen listens again on the same address (retrying for a few seconds if the port is
// still busy).
func (l *Listener) Reopen() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		return nil
	}
	var err error
	for i := 0; i < 50; i++ {
		if err = l.open(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// Open is the number of open connections.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0) // close sends RST
	}
	c.Close()
}

type conn struct {
	net.Conn
	l    *Listener
	once sync.Once
}

// Reset closes the connection with an RST.
func (c *conn) Reset() {
	resetConn(c.Conn)
	c.Close()
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return err
}
