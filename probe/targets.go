package probe

import (
	"fmt"
	"net"
	"net/netip"
	"path"
	"strings"
)

// allowList is the targets a module's credentials may be sent to, as its
// `targets:` names them: a CIDR (10.1.0.0/16, fd00::/8) holds the BMCs
// given by address; a host glob (bmc-*.dc1.example.org, as path.Match
// reads it) those given by name; either with a :PORT holds that port
// only. A name is never resolved to match a CIDR: what a name resolves
// to is not the operator's to vouch for.
type allowList []allowed

type allowed struct {
	prefix netip.Prefix // valid for a CIDR
	glob   string       // else a host pattern, lower case
	port   string       // "" is any port
}

func parseAllowList(patterns []string) (allowList, error) {
	if len(patterns) == 0 {
		return nil, fmt.Errorf("no targets: list the BMCs its credentials may be sent to (CIDRs or host globs) under targets")
	}
	out := make(allowList, 0, len(patterns))
	for _, p := range patterns {
		a := allowed{}
		host := p
		if h, port, err := net.SplitHostPort(p); err == nil {
			host, a.port = h, port
		}
		if strings.Contains(host, "/") {
			pr, err := netip.ParsePrefix(host)
			if err != nil {
				return nil, fmt.Errorf("target %q: %w", p, err)
			}
			a.prefix = pr.Masked()
		} else {
			a.glob = strings.ToLower(host)
			if _, err := path.Match(a.glob, ""); err != nil || a.glob == "" {
				return nil, fmt.Errorf("target %q: not a CIDR or a host glob", p)
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// allows reports whether target (HOST or HOST:PORT, as checkTarget
// accepts it) is on the list.
func (l allowList) allows(target string) bool {
	host, port := target, ""
	if h, p, err := net.SplitHostPort(target); err == nil {
		host, port = h, p
	}
	host = strings.ToLower(host)
	addr, addrErr := netip.ParseAddr(host)
	for _, a := range l {
		if a.port != "" && a.port != port {
			continue
		}
		if a.prefix.IsValid() {
			if addrErr == nil && a.prefix.Contains(addr.Unmap()) {
				return true
			}
			continue
		}
		if ok, _ := path.Match(a.glob, host); ok {
			return true
		}
	}
	return false
}
