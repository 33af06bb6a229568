package client

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"time"

	"github.com/tackhq/tack/plugins/sdk"
)

// newMTLS makes fresh key pairs for one launch: the core's client pair and
// the provider's server pair. It returns the core's TLS configuration,
// which presents the client certificate and trusts only the server one,
// and the material for [sdk.TLSEnv].
func newMTLS() (*tls.Config, []byte, error) {
	clientCert, clientKey, err := selfSigned("tack")
	if err != nil {
		return nil, nil, err
	}
	serverCert, serverKey, err := selfSigned("localhost")
	if err != nil {
		return nil, nil, err
	}
	pair, err := tls.X509KeyPair(pemBlock("CERTIFICATE", clientCert), pemBlock("PRIVATE KEY", clientKey))
	if err != nil {
		return nil, nil, err
	}
	servers := x509.NewCertPool()
	if parsed, err := x509.ParseCertificate(serverCert); err == nil {
		servers.AddCert(parsed)
	} else {
		return nil, nil, err
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{pair},
		RootCAs:      servers,
		ServerName:   "localhost",
		MinVersion:   tls.VersionTLS13,
	}
	var material []byte
	material = append(material, pemBlock(sdk.PEMClientCert, clientCert)...)
	material = append(material, pemBlock(sdk.PEMServerCert, serverCert)...)
	material = append(material, pemBlock(sdk.PEMServerKey, serverKey)...)
	return cfg, material, nil
}

// selfSigned returns a DER certificate and PKCS#8 key for name, usable for
// both ends of a TLS connection. It is no CA: each side trusts exactly the
// other's certificate.
func selfSigned(name string) (cert, key []byte, err error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name, Organization: []string{"tack"}},
		DNSNames:     []string{"localhost"},
		NotBefore:    now.Add(-time.Minute),
		// The pair lives as long as one provider process; a year is
		// longer than any apply, so a reconnect never meets an expired
		// certificate.
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	cert, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, nil, err
	}
	key, err = x509.MarshalPKCS8PrivateKey(priv)
	return cert, key, err
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
