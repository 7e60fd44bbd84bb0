import { availableParallelism } from "node:os";

/** How a render pool uses the machine. */
export interface RenderPoolOptions {
  /**
   * Images rendered at once. @default the cores (`availableParallelism()`), each image on one
   * libvips thread (image-codec.ts): chosen from `npm run bench -- render-threads`, libvips
   * threads 1–2 × images 1–3 per format (see docs/benchmarks.md#rendering).
   */
  readonly parallel?: number;
  /**
   * Images kept (their originals on disk) and waiting to be rendered, at most: past it, `add`
   * waits, and so does the delivery that called it. @default DEFAULT_RENDER_BACKLOG
   */
  readonly backlog?: number;
}

/**
 * Images waiting to be rendered, at most, unless told otherwise: enough for a night's rendering
 * to fall hours behind fal's delivery (at 2.7 images/s delivered and 1 rendered, 10,000 is
 * about 100 min), while what waits holds a descriptor of a few hundred bytes each in memory;
 * the pixels stay on disk as the kept originals.
 */
export const DEFAULT_RENDER_BACKLOG = 10_000;

/** Images at once, by default: one per core. */
const defaultRenderParallel = (): number => Math.max(1, availableParallelism());

/**
 * A bounded pool for rendering kept images apart from delivery: `parallel` at once, at most
 * `backlog` waiting. A task's failure is its own (the task reports it); the pool only runs.
 * `stop` drops what waits (it stays kept on disk, for the next `run` or `render`).
 */
export class RenderPool {
  readonly parallel: number;
  readonly backlog: number;
  #queue: Array<() => Promise<void>> = [];
  #head = 0;
  #running = 0;
  #stopped = false;
  #roomWaiters: Array<() => void> = [];
  #idleWaiters: Array<() => void> = [];

  constructor(options: RenderPoolOptions = {}) {
    this.parallel = Math.max(1, Math.floor(options.parallel ?? defaultRenderParallel()));
    this.backlog = Math.max(1, Math.floor(options.backlog ?? DEFAULT_RENDER_BACKLOG));
  }

  /** Images waiting (not yet started). */
  get waiting(): number {
    return this.#queue.length - this.#head;
  }

  /** Images being rendered now. */
  get running(): number {
    return this.#running;
  }

  /** Whether the backlog is at its bound (a delivery adding now would wait). */
  get full(): boolean {
    return this.waiting >= this.backlog;
  }

  /**
   * Queues a render; resolves once it is in the backlog (at once unless the backlog is full).
   * After `stop`, the task is dropped.
   */
  async add(task: () => Promise<void>): Promise<void> {
    while (this.full && !this.#stopped) await new Promise<void>((r) => this.#roomWaiters.push(r));
    if (this.#stopped) return;
    this.#queue.push(task);
    this.#pump();
  }

  /** Resolves when nothing waits and nothing runs. */
  idle(): Promise<void> {
    if (this.waiting === 0 && this.#running === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  /** Starts nothing more; what waits is dropped, what runs finishes (see `idle`). */
  stop(): void {
    this.#stopped = true;
    this.#queue = [];
    this.#head = 0;
    for (const r of this.#roomWaiters.splice(0)) r();
    this.#settle();
  }

  #pump(): void {
    while (!this.#stopped && this.#running < this.parallel && this.waiting > 0) {
      const task = this.#queue[this.#head] as () => Promise<void>;
      this.#queue[this.#head++] = noop;
      // Compact now and then, so a long night's queue does not keep every finished slot.
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#running += 1;
      const room = this.#roomWaiters.shift();
      room?.();
      task()
        .catch(() => {})
        .finally(() => {
          this.#running -= 1;
          this.#pump();
          this.#settle();
        });
    }
  }

  #settle(): void {
    if (this.waiting === 0 && this.#running === 0) for (const r of this.#idleWaiters.splice(0)) r();
  }
}

const noop = () => Promise.resolve();
