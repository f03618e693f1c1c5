import { describe, expect, it } from 'vitest';
import { OfflineOutputFilter, RUNTIME_WARNING_NOTE } from '../../dev/offline-output';

/** serverless-offline's first lines, as serverless 3.40 prints them for this service. */
const STARTUP = [
  '',
  'Warning: Invalid configuration encountered',
  "  at 'provider.runtime': must be equal to one of the allowed values [dotnet6, nodejs18.x, nodejs20.x, provided]",
  '',
  'Learn more about configuration validation here: http://slss.io/configuration-validation',
  'Starting Offline at stage local (us-east-1)',
  '   * health: timebook-intercom-local-health',
  '│   GET    | http://127.0.0.1:3000/v1/health                                   │',
  'Server ready: http://127.0.0.1:3000 🚀',
];

describe("npm start's view of serverless-offline's output", () => {
  it('shows only the runtime warning, explained in one line, until released; then every line', () => {
    const filter = new OfflineOutputFilter(false);
    expect(STARTUP.flatMap((line) => filter.accept(line))).toEqual([`• ${RUNTIME_WARNING_NOTE}`]);
    expect(filter.held).toEqual(STARTUP);
    filter.release();
    expect(filter.accept('GET /v1/health (λ: health)')).toEqual(['  │ GET /v1/health (λ: health)']);
  });

  it('keeps another configuration warning visible', () => {
    const filter = new OfflineOutputFilter(false);
    const shown = ['Warning: Invalid configuration encountered', "  at 'functions.admin': unrecognized property 'handlr'"].flatMap((line) =>
      filter.accept(line),
    );
    expect(shown).toEqual(["• serverless warns: invalid configuration at 'functions.admin': unrecognized property 'handlr'"]);
  });

  it('with --verbose shows everything, the note right under the warning', () => {
    const filter = new OfflineOutputFilter(true);
    const shown = STARTUP.flatMap((line) => filter.accept(line));
    expect(shown).toHaveLength(STARTUP.length + 1);
    expect(shown[3]).toBe(`• ${RUNTIME_WARNING_NOTE}`);
  });
});
