/**
 * What a docker, podman, compose or kubectl user types, and podkit's command for it: an
 * unknown command that is one of these gets this suggestion, where commander's own (by edit
 * distance: `upp` → `up`) finds nothing, since `pull` and `image pull` are far apart as words.
 */
const HABITS: Readonly<Record<string, string>> = {
  run: 'podkit up -f FILE',
  start: 'podkit up -f FILE',
  create: 'podkit up -f FILE',
  apply: 'podkit up -f FILE',
  play: 'podkit up -f FILE',
  stop: 'podkit down NAME',
  kill: 'podkit down NAME',
  rm: 'podkit down NAME',
  delete: 'podkit down NAME',
  inspect: 'podkit describe NAME',
  top: 'podkit ps',
  attach: 'podkit exec -it NAME -- sh',
  pull: 'podkit image pull REF',
  push: 'podkit kube export -f FILE (podkit does not push images)',
  images: 'podkit image ls',
  rmi: 'podkit image rm REF',
  load: 'podkit image load FILE',
  build: 'podkit image build-node DIR -o OUT',
  export: 'podkit kube export -f FILE',
  convert: 'podkit kube export -f FILE',
  prune: 'podkit gc (or podkit image prune)',
  system: 'podkit gc',
};

/**
 * podkit's command for an unknown command typed from another tool's habits, or undefined.
 *
 * @example
 *   habitSuggestion('pull'); // 'podkit image pull REF'
 */
export function habitSuggestion(name: string | undefined): string | undefined {
  return name === undefined || !Object.hasOwn(HABITS, name) ? undefined : HABITS[name];
}
