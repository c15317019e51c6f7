import { UserError } from '../errors';

/**
 * A payload this process cannot decode: its key is missing here, the key under its id is another one, or the payload
 * was altered. The message names the key id and the fix; nothing of the payload is returned.
 */
export class PayloadCodecError extends UserError {
  override name = 'PayloadCodecError';
}
