// Package rdsca embeds the Amazon RDS global CA bundle (global-bundle.pem), which signs the server
// certificates of every RDS and Aurora endpoint; those CAs are in no operating system's trust
// store. See README.md for where the copy comes from and how to refresh it.
package rdsca

import _ "embed"

//go:embed global-bundle.pem
var bundle []byte

// PEM returns the bundle's PEM text.
func PEM() []byte { return bundle }
