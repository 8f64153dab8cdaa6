import type { CaseRecord, FailureClass, FuzzResult } from './run.js';

/* The run's outcome for a reader: what was run, and each class of failure with one case that shows it. */

function clip(text: string, length: number): string {
  const shown = JSON.stringify(text).slice(1, -1);
  return shown.length > length ? `${shown.slice(0, length)}… (${text.length} characters)` : shown;
}

function describeCase(record: CaseRecord, seed: number): string[] {
  const { request } = record;
  const headers = Object.entries(request.headers)
    .map(
      ([name, value]) =>
        `${name}: ${name === 'authorization' && value.length > 40 ? `${value.slice(0, 20)}…` : clip(value, 80)}`,
    )
    .join('; ');
  const lines = [
    `case ${record.index} as ${record.identity} (${record.mode}${request.notes.length ? `: ${request.notes.join('; ')}` : ''})`,
    `  ${request.method} ${clip(request.url, 300)}`,
    `  headers: ${headers || '(none)'}`,
  ];
  if (request.payload !== undefined) lines.push(`  body: ${clip(request.payload.toString(), 400)}`);
  lines.push(`  answer ${record.status}: ${clip(record.body, 600)}`);
  if (record.changes) {
    for (const change of record.changes.slice(0, 5)) {
      lines.push(`  changed: ${change.operation} ${change.table} ${clip(JSON.stringify(change.row), 300)}`);
    }
  }
  if (record.error)
    lines.push(`  server error: ${clip(record.error.split('\n').slice(0, 6).join(' | '), 900)}`);
  lines.push(
    `  again: FUZZ_SEED=${seed} FUZZ_CASE=${record.index} (alone) or FUZZ_CASES=${record.index + 1} (with the run up to it)`,
  );
  return lines;
}

export function summary(result: FuzzResult): string {
  const statuses = [...result.statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
  return (
    `fuzz seed ${result.seed}: ${result.cases} cases over ${result.operations} operations in ` +
    `${(result.elapsedMs / 1000).toFixed(1)} s; statuses ${statuses}; identities replaced ${result.identitiesReplaced.length}; ` +
    `${result.failures.length} failure classes`
  );
}

export function report(result: FuzzResult, limit = 40): string {
  const lines = [summary(result), `(run again with FUZZ_SEED=${result.seed})`];
  result.failures.slice(0, limit).forEach((failure: FailureClass, i) => {
    lines.push(
      '',
      `${i + 1}. ${failure.kind}: ${failure.operation} → ${failure.status}${failure.detail ? ` (${failure.detail})` : ''}, ${failure.count} case${failure.count === 1 ? '' : 's'}`,
      ...describeCase(failure.example, result.seed).map((line) => `   ${line}`),
    );
  });
  if (result.failures.length > limit) lines.push('', `… and ${result.failures.length - limit} more classes`);
  return lines.join('\n');
}
