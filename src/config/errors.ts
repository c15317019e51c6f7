/** The user's configuration is wrong; the message names the field, the value and the fix. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
