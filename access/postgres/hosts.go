package postgres

import (
	"net"
	"strings"
)

// metadataIPv6 is AWS's IPv6 instance-metadata address.
var metadataIPv6 = net.ParseIP("fd00:ec2::254")

// RefuseInternalHosts refuses a connection string that points ParityRail at
// its own machine's internals rather than at an app's database: a unix
// socket (a server-local Postgres reached without a network) or a
// link-local / cloud metadata address (169.254.169.254 and friends hand out
// the host's cloud credentials). The operator lifts this with
// PARITYRAIL_ALLOW_PRIVATE_DB=1 when the app's database really lives there.
// s must already have passed ValidateConnString.
func RefuseInternalHosts(s string) error {
	cfg, err := parseConfig(s)
	if err != nil {
		return err
	}
	hosts := []string{cfg.Host}
	for _, fb := range cfg.Fallbacks {
		hosts = append(hosts, fb.Host)
	}
	for _, h := range hosts {
		if strings.HasPrefix(h, "/") {
			return newError(CodeInvalidConnString, "host", "The connection string points at a unix socket (%s) on the ParityRail server, not at your app's database. Use the database's network host name; if the database really is on this server, start ParityRail with PARITYRAIL_ALLOW_PRIVATE_DB=1.", h)
		}
		ip := net.ParseIP(strings.Trim(h, "[]"))
		if strings.EqualFold(h, "metadata.google.internal") || ip != nil && (ip.IsLinkLocalUnicast() || ip.Equal(metadataIPv6)) {
			return newError(CodeInvalidConnString, "host", "The host %s is a link-local or cloud metadata address, never an app's database. Use the database's host name; if it really listens there, start ParityRail with PARITYRAIL_ALLOW_PRIVATE_DB=1.", h)
		}
	}
	return nil
}
