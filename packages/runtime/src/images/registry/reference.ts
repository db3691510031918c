import { normaliseImageName } from '../image-name.js';

/** A parsed image reference, as the distribution API addresses it. */
export interface ImageReference {
  /** The normalised reference (`docker.io/library/busybox:latest`, `host:5000/a@sha256:…`). */
  normalised: string;
  /** The registry as named in the reference (`docker.io`, `localhost:5000`). */
  domain: string;
  /** host[:port] the API is served at (`registry-1.docker.io` for docker.io). */
  host: string;
  /** Repository path inside the registry (`library/busybox`). */
  repository: string;
  tag?: string | undefined;
  digest?: string | undefined;
}

/**
 * Parses an image reference with the same normalisation as the image store (`busybox` →
 * `docker.io/library/busybox:latest`), keeping tag and digest apart.
 *
 * @example
 *   parseReference('localhost:5000/app@sha256:ab…').digest; // 'sha256:ab…'
 */
export function parseReference(ref: string): ImageReference {
  const normalised = normaliseImageName(ref);
  let rest = normalised;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const domain = rest.slice(0, slash);
  return {
    normalised,
    domain,
    host: domain === 'docker.io' ? 'registry-1.docker.io' : domain,
    repository: rest.slice(slash + 1),
    tag,
    digest,
  };
}

/** `domain/repository` of a reference, without tag or digest. */
export const repositoryName = (r: ImageReference): string => `${r.domain}/${r.repository}`;

/** What the manifest endpoint is asked for: the digest when there is one, else the tag. */
export const manifestReference = (r: ImageReference): string => r.digest ?? r.tag ?? 'latest';
