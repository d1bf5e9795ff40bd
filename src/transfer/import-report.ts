// What an import did (or, in a dry run, would do): created / updated / skipped / failed per type, and one
// line per failed item naming it and why. An item that fails is reported and the run goes on.
export type Outcome = 'created' | 'updated' | 'skipped' | 'failed';

export interface ItemError {
  type: string;
  item: string;
  reason: string;
}

export class ImportReport {
  readonly counts: Record<string, Record<Outcome, number>> = {};
  readonly errors: ItemError[] = [];
  readonly notes: string[] = [];
  /** In a dry run, what would change (type, outcome, item), capped so a huge file cannot flood the terminal. */
  readonly planned: string[] = [];

  constructor(
    readonly source: 'quire-archive' | 'wordpress' | 'ghost',
    readonly dryRun: boolean,
  ) {}

  count(type: string, outcome: Outcome, n = 1, item?: string): void {
    const row = (this.counts[type] ??= { created: 0, updated: 0, skipped: 0, failed: 0 });
    row[outcome] += n;
    if (this.dryRun && item && outcome !== 'skipped' && outcome !== 'failed' && this.planned.length < MAX_PLANNED) {
      this.planned.push(`${outcome === 'created' ? 'create' : 'update'} ${type} ${item}`);
    }
  }

  fail(type: string, item: string, reason: string): void {
    this.count(type, 'failed');
    if (this.errors.length < MAX_ERRORS) this.errors.push({ type, item, reason: reason.slice(0, 300) });
  }

  get failed(): number {
    return Object.values(this.counts).reduce((sum, row) => sum + row.failed, 0);
  }

  /** The report as lines for a terminal. */
  lines(): string[] {
    const out = [`${this.dryRun ? 'Dry run (nothing written)' : 'Import'} of a ${this.source} file:`];
    for (const [type, row] of Object.entries(this.counts)) {
      out.push(`  ${type.padEnd(14)} ${row.created} ${this.dryRun ? 'to create' : 'created'}, ${row.updated} ${this.dryRun ? 'to update' : 'updated'}, ${row.skipped} skipped, ${row.failed} failed`);
    }
    if (this.planned.length) out.push('Would change:', ...this.planned.map((p) => `  ${p}`));
    if (this.errors.length) out.push('Failed items:', ...this.errors.map((e) => `  ${e.type} ${e.item}: ${e.reason}`));
    const hidden = this.failed - this.errors.length;
    if (hidden > 0) out.push(`  ... and ${hidden} more`);
    for (const note of this.notes) out.push(`Note: ${note}`);
    return out;
  }
}

const MAX_PLANNED = 1000;
const MAX_ERRORS = 1000;
