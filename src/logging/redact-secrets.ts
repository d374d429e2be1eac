import { KEY_PREFIX } from '../auth/api-key.format';
import { TICKET_PREFIX } from '../auth/stream-tickets';

export const REDACTED = '[REDACTED]';

/**
 * A key or a ticket by its shape, wherever it stands: a key is its prefix, its 16-hex id and the
 * secret (taken whole, however long); a ticket is its prefix and at least 16 characters of secret,
 * so that one cut short or run into other text is still caught.
 */
const SECRET = new RegExp(`${KEY_PREFIX}[0-9a-f]{16}_[\\w-]+|${TICKET_PREFIX}[\\w-]{16,}`, 'gi');

/** Stretches of URL characters long enough to hold a secret, perhaps percent-encoded. */
const ENCODED_RUN = /[\w-]*%[\w%-]{20,}/g;

const holdsSecret = (text: string) => text.search(SECRET) !== -1;

/** Undoes percent-encoding, however many times it was applied; leaves what does not decode. */
function percentDecoded(text: string): string {
  let decoded = text;
  for (let round = 0; round < 3 && decoded.includes('%'); round += 1) {
    try {
      decoded = decodeURIComponent(decoded);
    } catch {
      break;
    }
  }
  return decoded;
}

/**
 * The text with every API key and stream ticket in it replaced by `[REDACTED]`, however it got
 * there: a header, a query parameter, a path segment, an error message. A percent-encoded secret
 * takes the whole encoded stretch with it.
 */
export function redactSecrets(text: string): string {
  const plain = text.replace(SECRET, REDACTED);
  if (!plain.includes('%')) return plain;
  return plain.replace(ENCODED_RUN, (run) => (holdsSecret(percentDecoded(run)) ? REDACTED : run));
}

/** Whether the text carries a key or a ticket, plainly or percent-encoded. */
export function looksLikeSecret(text: string): boolean {
  return redactSecrets(text) !== text;
}
