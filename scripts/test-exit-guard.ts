// Loaded into every test file's process by scripts/run-tests.sh (`--import`). Once all of a
// file's tests have finished (node:test runs the root's `after` hooks then, also when a leaked
// handle keeps the event loop alive), the process may end: it gets 2 s to flush its report to
// the runner, then exits. This replaces `--test-force-exit`, which on Node 20 ends a file as
// soon as the tests *known so far* have finished — tests registered later (after an `await`,
// or a `describe` still being built) were then never run or never reported, and the suite's
// count changed between identical runs.
import { after } from 'node:test';

// Only in the runner's children (a file's process), never in the runner itself.
if (process.env.NODE_TEST_CONTEXT !== undefined) {
  after(() => {
    setTimeout(() => {
      process.exit();
    }, 2000).unref();
  });
}
