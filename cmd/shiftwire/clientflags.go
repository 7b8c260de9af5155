package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/shiftwire/shiftwire"
)

// defaultServer is where client commands look for Shiftwire: serve's default address.
const defaultServer = "http://127.0.0.1:8080"

// clientConfig is how a client command (listen, simulate) reaches a server's API. It is one
// flag set for every client command, so they all read --server, --tenant, --client-id and
// --client-secret, and SHIFTWIRE_SERVER and the others, alike.
type clientConfig struct {
	Server       string
	Tenant       string
	ClientID     string
	ClientSecret secretFlag
}

// register adds the client flags to fs.
func (c *clientConfig) register(fs *flag.FlagSet) {
	c.Server, c.Tenant = defaultServer, devTenant
	fs.StringVar(&c.Server, "server", c.Server, "the Shiftwire server's base URL")
	fs.StringVar(&c.Tenant, "tenant", c.Tenant, "the tenant to work in; on a server whose --base-domain is localhost it is reached as TENANT.localhost")
	fs.StringVar(&c.ClientID, "client-id", c.ClientID, "the OAuth client to get a token for (default: the demo client of a --dev server)")
	fs.Var(&c.ClientSecret, "client-secret", "the `secret` of --client-id (never printed)")
}

// validate checks the flags and fills in the demo client when none is given.
func (c *clientConfig) validate() error {
	var problems []string
	u, err := url.Parse(c.Server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		problems = append(problems, fmt.Sprintf("--server must be a base URL such as %s, without a path, query or user name; got %q", defaultServer, c.Server))
	}
	if err := (&shiftwire.Tenant{Name: c.Tenant, TimeZone: shiftwire.DefaultTimeZone}).Validate(); err != nil {
		problems = append(problems, fmt.Sprintf("--tenant %q is not a tenant name: lower-case letters, digits and inner hyphens", c.Tenant))
	}
	switch {
	case c.ClientID == "" && len(c.ClientSecret.Secret) == 0:
		// The demo client, which a --dev server creates with every scope.
		c.ClientID, c.ClientSecret.Secret = devClientID, shiftwire.Secret(devClientSecret)
	case c.ClientID == "":
		problems = append(problems, "--client-secret needs --client-id")
	case len(c.ClientSecret.Secret) == 0:
		problems = append(problems, "--client-id needs --client-secret (or SHIFTWIRE_CLIENT_SECRET)")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// usesDemoClient reports whether the commands act as the demo client of a --dev server.
func (c *clientConfig) usesDemoClient() bool {
	return c.ClientID == devClientID && string(c.ClientSecret.Reveal()) == devClientSecret
}

// tenantHost returns the Host header that reaches the tenant on server u: on a server
// addressed by IP or as localhost, TENANT.localhost with its port (serve's default
// --base-domain); on any other, the server's own host, which then names the tenant.
func tenantHost(u *url.URL, tenant string) string {
	host := u.Hostname()
	if host != "localhost" && net.ParseIP(host) == nil {
		return u.Host
	}
	if port := u.Port(); port != "" {
		return net.JoinHostPort(tenant+".localhost", port)
	}
	return tenant + ".localhost"
}

// secretFlag is a flag whose value is a secret: it never prints, in help, errors or logs.
type secretFlag struct{ shiftwire.Secret }

func (s *secretFlag) String() string {
	if s == nil || len(s.Secret) == 0 {
		return ""
	}
	return s.Secret.String()
}

func (s *secretFlag) Set(v string) error {
	s.Secret = shiftwire.Secret(v)
	return nil
}
