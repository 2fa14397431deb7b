/**
 * The environment variables `keys rewrap` reads the new master secret from, and those that hold a
 * provider's secret. Kept apart from
 * secret-file.ts, which reads them, because redact.ts hides their values in everything the CLI
 * prints, and the command layer that secret-file.ts builds on already depends on redact.ts.
 *
 * @module
 */

/** Environment variable holding the new master key for `keys rewrap` (base64, 32 bytes). */
export const NEW_MASTER_KEY_ENV_VAR = 'FIELDSEAL_NEW_MASTER_KEY'
/** Environment variable holding the new master passphrase for `keys rewrap`. */
export const NEW_MASTER_PASSPHRASE_ENV_VAR = 'FIELDSEAL_NEW_MASTER_PASSPHRASE'

/**
 * Variables holding a master-key provider's secret (a PKCS#11 PIN, a Vault token, AWS
 * credentials): never printed either, though fieldseal only passes them on.
 */
export const PROVIDER_SECRET_ENV_VARS: readonly string[] = [
  'FIELDSEAL_PKCS11_PIN',
  'VAULT_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
]
