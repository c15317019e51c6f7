import { EXIT, UserError } from '../infra/errors';

/**
 * The user's configuration is wrong; the message names the field, the value and the fix. A usage error (exit 2)
 * wherever it surfaces: `planwright` commands, `planwright worker` and `node dist/worker.js` alike.
 */
export class ConfigError extends UserError {
  override name = 'ConfigError';
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}
