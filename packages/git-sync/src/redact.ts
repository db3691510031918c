/**
 * Credential redaction. Every string that can leave the process (error messages, stderr of
 * git, /status, the error file, logs) goes through a Redactor first.
 */

const MASK = '***';

/**
 * Masks the userinfo password of every URL in `text` (`https://u:secret@h` →
 * `https://u:***@h`). An HTTP(S) userinfo without a password is masked whole, because a
 * bare token is commonly passed as the user name (`https://<token>@github.com`).
 *
 * @example redactUrls('fatal: https://bob:hunter2@example.com/x') // 'fatal: https://bob:***@example.com/x'
 */
export function redactUrls(text: string): string {
  // scheme://userinfo@ — userinfo may not contain '/', '@' or whitespace (RFC 3986 excludes them).
  return text.replace(
    /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/@\s:'"]*)(?::([^/@\s'"]*))?@/g,
    (_m, scheme: string, user: string, password: string | undefined) => {
      if (password !== undefined) return `${scheme}${user}:${MASK}@`;
      if (/^https?:\/\/$/i.test(scheme) && user !== '') return `${scheme}${MASK}@`;
      return `${scheme}${user}@`;
    },
  );
}

/** Masks URL credentials plus every registered secret (and its percent-encoded form). */
export class Redactor {
  readonly #secrets = new Set<string>();

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.add(s);
  }

  /** Registers a secret; strings shorter than 3 characters are ignored (they would mask noise). */
  add(secret: string): void {
    if (secret.length < 3) return;
    this.#secrets.add(secret);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) this.#secrets.add(encoded);
  }

  /** Registers the password (and bare-token user) embedded in a repository URL. */
  addUrlCredentials(url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return;
    }
    if (parsed.password !== '') {
      this.add(parsed.password);
      this.add(decodeURIComponent(parsed.password));
    } else if (parsed.username !== '' && /^https?:$/i.test(parsed.protocol)) {
      this.add(parsed.username);
      this.add(decodeURIComponent(parsed.username));
    }
  }

  redact(text: string): string {
    let out = redactUrls(text);
    // Longest first, so a secret that contains another is masked whole.
    for (const s of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(s).join(MASK);
    }
    return out;
  }
}
