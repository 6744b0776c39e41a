package referrals

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"safecontact/errs"
	"safecontact/keys"
)

// Delivery to a partner's inbox. The URL came from a card whose
// fingerprint an admin verified, and keys.ValidInboxURL refused private
// addresses written in it; a host name can still resolve to one, so the
// dialler checks every address it connects to (see the file comment of
// referrals.go). Loopback is allowed only when the URL itself names this
// machine (development and tests: keys.ValidInboxURL allows plain http
// there only).

type loopbackKey struct{}

func newDeliveryClient(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout}
	tr := &http.Transport{
		Proxy: nil, // a proxy would connect for us, past the address check
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			allowLoopback, _ := ctx.Value(loopbackKey{}).(bool)
			d := *dialer
			d.Control = func(_, address string, _ syscall.RawConn) error {
				return dialable(address, allowLoopback)
			}
			return d.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   2,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// dialable refuses addresses a delivery must not reach.
func dialable(address string, allowLoopback bool) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return err
	}
	a := ap.Addr().Unmap()
	if keys.PublicAddr(a) || allowLoopback && a.IsLoopback() {
		return nil
	}
	return errors.New("the inbox address is not a public address")
}

// post sends pkg to inbox and returns the answer's status (0 when there
// was none). Anything but 2xx is CodeDeliveryFailed; the answer's body is
// read (bounded) and dropped.
func (s *Service) post(ctx context.Context, inbox string, pkg []byte) (int, error) {
	if err := keys.ValidInboxURL(inbox); err != nil {
		return 0, errs.New(CodeDeliveryFailed, "the partner's inbox URL is not acceptable; import a newer card")
	}
	u, _ := url.Parse(inbox)
	if keys.LoopbackHost(u.Hostname()) {
		ctx = context.WithValue(ctx, loopbackKey{}, true)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(pkg))
	if err != nil {
		return 0, errs.New(CodeDeliveryFailed, "the partner's inbox URL is not acceptable; import a newer card")
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := s.d.Client.Do(req)
	if err != nil {
		// The cause can name the host; the log has it, the answer not.
		s.d.Log.Warn("referral delivery failed", "err", err)
		return 0, errs.New(CodeDeliveryFailed, "the partner's inbox could not be reached; the delivery is retried by itself, or export the file")
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, errs.New(CodeDeliveryFailed, "%s", fmt.Sprintf("the partner's inbox refused the package (HTTP %d; its audit log says why); the delivery is retried by itself", resp.StatusCode))
	}
	return resp.StatusCode, nil
}
