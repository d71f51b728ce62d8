// Which code runs each kind of job. The server refuses to start while a declared kind has no
// handler, so a job can never sit in the table with nobody able to run it.

export interface JobContext {
  jobId: string;
  /** 1 on the first run. */
  attempt: number;
  /** Aborted when the worker loses the job's lease or shuts down: stop soon, the job will run again. */
  signal: AbortSignal;
}

export interface JobHandler<P = any> {
  run(payload: P, ctx: JobContext): Promise<void>;
  /** Called once when the job has failed its last attempt, to leave its subject in a clear state. */
  onGiveUp?(payload: P, error: string): Promise<void>;
  maxAttempts?: number;
  /** A recurring chore: one job of this kind always exists and runs again this long after it finishes. */
  everyMs?: number;
}

export class JobRegistry {
  private readonly handlers = new Map<string, JobHandler>();

  constructor(private readonly declaredKinds: readonly string[]) {}

  register<P>(kind: string, handler: JobHandler<P>): this {
    if (!this.declaredKinds.includes(kind)) throw new Error(`Job kind "${kind}" is not declared`);
    if (this.handlers.has(kind)) throw new Error(`Job kind "${kind}" already has a handler`);
    this.handlers.set(kind, handler);
    return this;
  }

  get(kind: string): JobHandler | undefined {
    return this.handlers.get(kind);
  }

  recurring(): Array<[string, number]> {
    return [...this.handlers].flatMap(([kind, h]) => (h.everyMs ? [[kind, h.everyMs] as [string, number]] : []));
  }

  get kinds(): readonly string[] {
    return this.declaredKinds;
  }

  /** Throws naming every declared kind that has no handler. */
  assertComplete(): void {
    const missing = this.declaredKinds.filter((k) => !this.handlers.has(k));
    if (missing.length > 0) throw new Error(`No handler registered for job kind(s): ${missing.join(', ')}`);
  }
}
