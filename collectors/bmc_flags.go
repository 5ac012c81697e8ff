package collectors

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
	"github.com/hwgraph/hwgraph/redfish"
)

// The BMC's flags: --bmc names one BMC for the bmc collector (IPMI) or
// the redfish collector (redfish://), and both take its user and
// password from the same flags.
func init() {
	registerFlags(func(f Flags) func(*Options, bool) error {
		var b bmcFlags
		f.Flag("bmc", "Read this BMC over IPMI RMCP+ (lanplus): HOST[:PORT]; without it the in-band /dev/ipmi0 is used when present.").StringVar(&b.host)
		f.Flag("bmc-user", "IPMI user name for --bmc.").StringVar(&b.user)
		f.Flag("bmc-password-file", "File holding the IPMI password for --bmc (or set HWGRAPH_BMC_PASSWORD); never given on the command line.").StringVar(&b.passFile)
		f.Flag("bmc-ca-file", "PEM file of the CAs a Redfish BMC's certificate is checked against (default: the system's).").StringVar(&b.caFile)
		f.Flag("bmc-insecure", "Do not check a Redfish BMC's TLS certificate (a lab BMC with a self-signed one); never the default.").BoolVar(&b.insecure)
		f.Flag("bmc-no-chassis", "Skip Get Chassis Status, for BMCs that mishandle it (OpenIPMI's ipmi_sim exits on it).").BoolVar(&b.noChassis)
		return b.apply
	})
}

// bmcFlags are the BMC's flags as parsed.
type bmcFlags struct {
	host, user, passFile, caFile string
	insecure, noChassis          bool
}

// apply sets the BMC the flags name: over IPMI (--bmc HOST or
// ipmi://HOST), or over Redfish (redfish://HOST, redfish+http://HOST).
func (b *bmcFlags) apply(o *Options, _ bool) error {
	scheme, host, _ := strings.Cut(b.host, "://")
	if host == "" {
		scheme, host = "ipmi", b.host // --bmc HOST: IPMI, as before
	}
	bmc, err := bmcTarget(host, b.user, b.passFile)
	if err != nil {
		return err
	}
	switch scheme {
	case "ipmi":
	case "redfish", "redfish+http":
		web := "https://"
		if scheme == "redfish+http" {
			web = "http://"
		}
		hc, err := redfish.HTTPClient(b.caFile, b.insecure)
		if err != nil {
			return fmt.Errorf("--bmc-ca-file: %w", err)
		}
		o.Redfish = RedfishTarget{URL: web + host, User: bmc.User, Password: bmc.Password, HTTP: hc}
		bmc = BMCTarget{}
	default:
		return fmt.Errorf("--bmc %s: want HOST, ipmi://HOST, redfish://HOST or redfish+http://HOST", b.host)
	}
	bmc.SkipChassis = b.noChassis
	o.BMC = bmc
	return nil
}

// bmcTarget is the BMC the flags name. The password is read from a file
// or the environment: argv is visible to every user of the machine.
func bmcTarget(host, user, passFile string) (BMCTarget, error) {
	if host == "" {
		return BMCTarget{}, nil
	}
	pass := os.Getenv("HWGRAPH_BMC_PASSWORD")
	if passFile != "" {
		var err error
		if pass, err = ReadPasswordFile(passFile); err != nil {
			return BMCTarget{}, fmt.Errorf("--bmc-password-file: %w", err)
		}
	}
	if pass == "" {
		return BMCTarget{}, errors.New("--bmc needs a password: --bmc-password-file FILE or HWGRAPH_BMC_PASSWORD")
	}
	return BMCTarget{Host: host, User: user, Password: pass}, nil
}

// maxPasswordFile bounds a password file: /dev/zero must not be read
// forever.
const maxPasswordFile = 4096

// ReadPasswordFile reads a BMC password from a file (--bmc-password-file,
// or a /probe module's password_file): bounded, its line end dropped.
func ReadPasswordFile(path string) (string, error) {
	b, err := sysfsattr.ReadFile(path, maxPasswordFile)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}
