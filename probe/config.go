package probe

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/common/model"
	"sigs.k8s.io/yaml"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/redfish"
)

// Config is the probe's configuration file (--bmc.config.file): the
// credentials of each module, as ipmi_exporter keeps them, so that no
// password travels in a scrape URL.
//
//	modules:
//	  default:
//	    user: admin
//	    password_file: /etc/hwgraph/bmc-password
//	    targets: [10.20.0.0/16, "bmc-*.dc1.example.org"]
//	    timeout: 10s
type Config struct {
	Modules map[string]Module `json:"modules"`
}

// Module is one set of credentials and settings for the BMCs probed with
// it.
type Module struct {
	// Protocol is how the BMCs are read: "ipmi" (the default, RMCP+),
	// "redfish" (HTTPS) or "redfish+http".
	Protocol string `json:"protocol,omitempty"`
	// CAFile checks a Redfish BMC's certificate (default: the system's
	// CAs); Insecure does not check it, only when set.
	CAFile   string `json:"ca_file,omitempty"`
	Insecure bool   `json:"insecure,omitempty"`
	User     string `json:"user"`
	// Password is the password itself; PasswordFile is read instead when
	// set (the file need not be readable by those who read the config).
	Password     string `json:"password,omitempty"`
	PasswordFile string `json:"password_file,omitempty"`
	// CipherSuite is the RMCP+ cipher suite (IPMI 2.0 table 22-20); 0 is
	// go-ipmi's default, 17.
	CipherSuite int `json:"cipher_suite,omitempty"`
	// Timeout bounds one probe of a BMC (default 10s); Prometheus' scrape
	// timeout bounds it too.
	Timeout model.Duration `json:"timeout,omitempty"`
	// SkipChassis leaves out Get Chassis Status, which some BMCs
	// mishandle (OpenIPMI's ipmi_sim exits on it).
	SkipChassis bool `json:"skip_chassis,omitempty"`
	// Targets are the BMCs the module's credentials may be sent to: CIDRs
	// and host globs, each with an optional :PORT. A probe of any other
	// target is refused, so that whoever can reach /probe cannot have
	// the credentials sent to a host of their choosing.
	Targets []string `json:"targets"`

	http    *http.Client // a Redfish module's, with its TLS settings
	allowed allowList
}

// DefaultTimeout bounds a probe whose module gives no timeout.
const DefaultTimeout = 10 * time.Second

// LoadConfig reads and checks a configuration file: unknown fields are
// errors, every module has a user, one password and the targets it may
// be used for, and password files are read now.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bmc config: %w", err)
	}
	var c Config
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		return nil, fmt.Errorf("bmc config %s: %w", path, err)
	}
	if len(c.Modules) == 0 {
		return nil, fmt.Errorf("bmc config %s: no modules", path)
	}
	for name, m := range c.Modules {
		if m.User == "" {
			return nil, fmt.Errorf("bmc config %s: module %q has no user", path, name)
		}
		if (m.Password == "") == (m.PasswordFile == "") {
			return nil, fmt.Errorf("bmc config %s: module %q needs one of password and password_file", path, name)
		}
		if m.PasswordFile != "" {
			if m.Password, err = collectors.ReadPasswordFile(m.PasswordFile); err != nil {
				return nil, fmt.Errorf("bmc config %s: module %q: %w", path, name, err)
			}
		}
		if m.allowed, err = parseAllowList(m.Targets); err != nil {
			return nil, fmt.Errorf("bmc config %s: module %q: %w", path, name, err)
		}
		if m.Timeout <= 0 {
			m.Timeout = model.Duration(DefaultTimeout)
		}
		switch m.Protocol {
		case "", "ipmi":
		case "redfish", "redfish+http":
			if m.http, err = redfish.HTTPClient(m.CAFile, m.Insecure); err != nil {
				return nil, fmt.Errorf("bmc config %s: module %q: %w", path, name, err)
			}
		default:
			return nil, fmt.Errorf("bmc config %s: module %q: protocol %q (want ipmi, redfish or redfish+http)", path, name, m.Protocol)
		}
		c.Modules[name] = m
	}
	return &c, nil
}
