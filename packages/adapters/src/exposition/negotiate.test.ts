import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { negotiate } from './negotiate.js';

describe('negotiate', () => {
  const table: [string | undefined, string][] = [
    [undefined, 'text-0.0.4'],
    ['', 'text-0.0.4'],
    ['application/json', 'text-0.0.4'],
    ['*/*', 'text-0.0.4'],
    ['text/plain', 'text-0.0.4'],
    ['application/openmetrics-text; version=1.0.0', 'openmetrics-1.0.0'],
    ['application/openmetrics-text', 'openmetrics-1.0.0'],
    ['application/openmetrics-text; version=0.0.1', 'openmetrics-1.0.0'],
    ['application/openmetrics-text; version=2.0.0', 'text-0.0.4'],
    // Prometheus 2.x
    [
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      'openmetrics-1.0.0',
    ],
    // Prometheus 2.x with scrape_protocols preferring the text format
    [
      'text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4,*/*;q=0.1',
      'text-0.0.4',
    ],
    // Prometheus 3.x (escaping parameters; text/plain 1.0.0 is not spoken, 0.0.4 is)
    [
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1',
      'openmetrics-1.0.0',
    ],
    ['text/plain;version=1.0.0;escaping=allow-utf-8', 'text-0.0.4'],
    ['application/openmetrics-text;version=1.0.0;q=0, text/plain;q=0.1', 'text-0.0.4'],
  ];
  for (const [accept, want] of table) {
    it(`${accept ?? '(none)'} → ${want}`, () => {
      assert.equal(negotiate(accept), want);
    });
  }
});
