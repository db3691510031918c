import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * Normalises an image reference the way Docker and containerd do, so a manifest's `nginx`
 * finds the image added as `nginx` or `docker.io/library/nginx:latest`:
 * `nginx` → `docker.io/library/nginx:latest`, `me/app:1` → `docker.io/me/app:1`,
 * `localhost:5000/app` → `localhost:5000/app:latest`; a digest is kept and gets no tag.
 *
 * @example
 *   normaliseImageName('redis:7'); // 'docker.io/library/redis:7'
 */
export function normaliseImageName(name: string): string {
  const invalid = (why: string): PodkitError =>
    new PodkitError(RuntimeErrorCode.IMAGE_NAME_INVALID, `invalid image name "${name}": ${why}`, {
      hint: 'use a reference such as nginx, nginx:1.25, registry.example:5000/team/app:tag',
    });
  let rest = name.trim();
  if (rest === '') throw invalid('empty');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(`bad digest "${digest}"`);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw invalid(`bad tag "${tag}"`);
  }
  const parts = rest.split('/');
  let domain = 'docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    domain = first;
    parts.shift();
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && parts.length === 1) parts.unshift('library');
  for (const p of parts) {
    if (!COMPONENT.test(p))
      throw invalid(`"${p}" must be lower-case letters, digits and separators`);
  }
  const repo = `${domain}/${parts.join('/')}`;
  if (digest !== undefined)
    return tag === undefined ? `${repo}@${digest}` : `${repo}:${tag}@${digest}`;
  return `${repo}:${tag ?? 'latest'}`;
}

/** The shortest name that normalises to `normalised` (for messages): drops docker.io/library/. */
export function familiarImageName(normalised: string): string {
  return normalised.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
}
