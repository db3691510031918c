import { PodkitError } from '@podkit/kit';
import { GitSyncErrorCode } from '../errors.js';

/**
 * Parses git-sync's --git-config: `key:value,key:value`. A key or value containing `,` or
 * `:` is written in double quotes (`"http.https://h/.sslCAInfo":/ca.pem`); `\"` and `\\`
 * escape inside quotes. The entries reach git as GIT_CONFIG_* env vars, never argv.
 *
 * @example parseGitConfig('core.compression:9,"http.https://h/.extraHeader":"X-A: 1, 2"')
 */
export function parseGitConfig(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const fail = (why: string): never => {
    throw new PodkitError(
      GitSyncErrorCode.GIT_SYNC_OPTION_INVALID,
      `--git-config: ${why} at offset ${i}`,
      {
        hint: 'expected key:value[,key:value]; quote a key or value holding , or : with "…"',
      },
    );
  };
  const word = (stops: string): string => {
    if (text[i] === '"') {
      i++;
      let s = '';
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        s += text[i] ?? '';
        i++;
      }
      if (i >= text.length) fail('unterminated quote');
      i++;
      return s;
    }
    const start = i;
    while (i < text.length && !stops.includes(text[i] ?? '')) i++;
    return text.slice(start, i);
  };
  while (i < text.length) {
    const key = word(':,').trim();
    if (key === '') fail('empty key');
    if (text[i] !== ':') fail(`missing ":" after ${JSON.stringify(key)}`);
    i++;
    out[key] = word(',');
    if (i < text.length) {
      if (text[i] !== ',') fail('expected ","');
      i++;
    }
  }
  return out;
}
