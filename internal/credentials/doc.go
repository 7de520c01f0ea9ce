// Package credentials is the contract between the provider and the rotator: the RDS credentials
// JSON a bundle's secret holds, the engines and strategies, the alternating user's suffix, the
// staging labels, the environment variables the bundle sets on the rotator and the JSON log line
// the rotator writes. The rotator (inside Lambda), internal/bundle (which writes the secret and reads
// it back for drift) and internal/secretvalue (the secret_value data source and ephemeral resource)
// all use it, so they read a value the same way. It imports neither a database driver nor the
// plugin framework, so both sides can link it.
//
// # The RDS credentials JSON
//
// A value is a JSON object. Parse keeps every key, known or not, byte for byte, so a value
// written back (Encode) carries the keys it does not manage unchanged. Its rules:
//
//   - engine, host, dbname, username, password, masterarn, dbInstanceIdentifier,
//     dbClusterIdentifier are JSON strings. Another type (a number, a boolean) is not a value of
//     that key: String reports it as absent.
//   - port is a JSON number or a string holding a whole number; spaces around it are ignored
//     (" 5432 " is 5432). It must be a TCP port, 1 to 65535. null counts as absent.
//   - ssl is a JSON boolean or a string spelling one ("true", "false", as the AWS templates
//     write it; spaces ignored). null counts as absent. true and absent mean TLS with the server's
//     certificate verified (chain and host name) against the Amazon RDS CAs, the system's and the
//     PEM certificates in the rotator's DB_CA_BUNDLE_PEM (credentials.ssl_ca_bundle, which is not
//     a key of the value); false means plaintext. There is no fallback to plaintext.
//   - any other key is kept as it is.
//
// Encode writes the keys sorted, without HTML escaping, so a password with <, > or & stays literal.
package credentials
