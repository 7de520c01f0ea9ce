// Package rdsca embeds the Amazon RDS certificate authorities that sign the server certificates of
// RDS and Aurora endpoints: the global bundle (global-bundle.pem, every commercial region) and the
// GovCloud (US) regions' roots (govcloud-bundle.pem). Those CAs are in no operating system's trust
// store. The China regions' CAs are not embedded (none could be sourced): users there give their
// region's bundle in credentials.ssl_ca_bundle. See README.md for where each copy comes from and how
// to refresh it.
package rdsca

import _ "embed"

var (
	//go:embed global-bundle.pem
	global []byte
	//go:embed govcloud-bundle.pem
	govCloud []byte
)

// PEM returns the embedded certificates as PEM text: the global bundle, then the GovCloud roots.
func PEM() []byte {
	all := make([]byte, 0, len(global)+len(govCloud))
	all = append(all, global...)
	return append(all, govCloud...)
}
