import type { Logger } from "../log/logger.js";
import type { JobOutcome, Outcomes } from "../model/job-outcome.js";
import type { PendingRender } from "../model/kept-image.js";
import type { Plan } from "../plan/index.js";
import { renderPending } from "../render/render-image.js";
import type { RenderPool } from "../render/render-pool.js";
import type { JournalLike } from "./job-context.js";
import type { Progress } from "./progress.js";

type Job = Plan["jobs"][number];

/** What the run's rendering reads and writes. */
export interface NightRendersDeps {
  readonly outputDir: string;
  readonly journal: JournalLike | undefined;
  readonly logger: Logger;
  readonly progress: Progress;
  readonly outcomes: Outcomes & { set(id: string, outcome: JobOutcome): void };
  /** Told after each image rendered (or not). */
  readonly changed: () => void;
  /** Told of each image that could not be rendered (a full disk stops the run's submits). */
  readonly failed?: (error: Error) => void;
}

/**
 * A run's rendering, apart from its delivery: each job's kept images go to the render pool the
 * moment fal's part of the job is over, and the job's outcome is brought up to date as each is
 * rendered (its `outputs` then list it; what is left stays `unrendered`). A job's slot in the
 * run's window is given back once its images are in the backlog, not once they are rendered.
 */
export class NightRenders {
  #fullSaid = false;

  constructor(
    readonly pool: RenderPool,
    readonly deps: NightRendersDeps,
  ) {}

  /** Queues every image `outcome` left to render; resolves once each is in the backlog. */
  async take(job: Job, outcome: JobOutcome): Promise<void> {
    if (outcome.status !== "succeeded" && outcome.status !== "skipped") return;
    const request = outcome.requestId;
    for (const pending of outcome.unrendered ?? []) {
      if (this.pool.full && !this.#fullSaid) {
        this.#fullSaid = true;
        this.deps.logger.warn(
          { backlog: this.pool.backlog },
          "the render backlog is full: delivery waits for rendering (--render-backlog; or --no-render and `render` elsewhere)",
        );
      }
      await this.pool.add(() => this.#render(job, request ?? "", pending));
    }
  }

  async #render(job: Job, request: string, pending: PendingRender): Promise<void> {
    const { deps } = this;
    let ok = false;
    try {
      const record = await renderPending(deps.outputDir, pending);
      await deps.journal?.append({ type: "image", key: job.key, request, ...record });
      const now = deps.outcomes.get(job.id);
      if (now && (now.status === "succeeded" || now.status === "skipped")) {
        const outputs = [...now.outputs.filter((o) => !("n" in o) || o.n !== pending.n), record].sort(
          (a, b) => ("n" in a ? (a.n as number) : 0) - ("n" in b ? (b.n as number) : 0),
        );
        const unrendered = (now.unrendered ?? []).filter((u) => u.n !== pending.n);
        const { unrendered: _, ...rest } = now;
        deps.outcomes.set(job.id, {
          ...rest,
          outputs,
          ...(unrendered.length > 0 ? { unrendered } : {}),
        } as JobOutcome);
      }
      ok = true;
    } catch (error) {
      deps.logger.error(
        { job: job.id, n: pending.n, cause: (error as Error).message },
        "could not render an image: it stays kept, for the next run or `seedream-pipeline render`",
      );
      deps.failed?.(error as Error);
    } finally {
      deps.progress.renderEnded(ok);
      deps.changed();
    }
  }
}
