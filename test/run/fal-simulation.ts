import { createRandom } from "../../src/emulator/options.js";
import { ConcurrencyController, type ControllerOptions } from "../../src/run/controller.js";

/** A discrete-event model of fal's account: C slots, a FIFO queue, jobs of given lengths. */
export interface SimulationInput {
  readonly durations: readonly number[];
  /** C from time 0, then changes at given times. */
  readonly capacity: ReadonlyArray<{ readonly at: number; readonly c: number }>;
  readonly controller?: ControllerOptions;
}

export interface SimulationResult {
  readonly makespan: number;
  /** ∫busy / ∫C while jobs still wait to be sent. */
  readonly occupancy: number;
  readonly maxQueued: number;
  /** (time, target) after every decision. */
  readonly targets: ReadonlyArray<{ readonly at: number; readonly target: number }>;
  readonly meanDuration: number;
}

/** Runs the controller against the model in virtual time; a long run takes milliseconds. */
export function simulate(input: SimulationInput): SimulationResult {
  const controller = new ConcurrencyController(input.controller);
  const durations = [...input.durations];
  let next = 0;
  let now = 0;
  let c = input.capacity[0]?.c ?? 2;
  const steps = input.capacity.slice(1);
  const running = new Map<string, number>(); // id → end time
  const queue: string[] = [];
  const targets: { at: number; target: number }[] = [];
  let maxQueued = 0;
  let busyArea = 0;
  let capArea = 0;
  let id = 0;
  const length = new Map<string, number>();

  const start = (rid: string) => {
    running.set(rid, now + (length.get(rid) ?? 0));
    controller.running(rid, now);
  };
  const fill = () => {
    while (running.size < c && queue.length > 0) start(queue.shift() as string);
    for (const [i, rid] of queue.entries()) controller.queued(rid, now, i);
  };
  const decideAndSubmit = () => {
    const target = controller.decide(now);
    targets.push({ at: now, target });
    while (next < durations.length && running.size + queue.length < target) {
      const rid = `r${id++}`;
      length.set(rid, durations[next++] ?? 0);
      controller.submitted(rid, now);
      if (running.size < c) start(rid);
      else {
        queue.push(rid);
        controller.queued(rid, now, queue.length - 1);
      }
    }
    maxQueued = Math.max(maxQueued, queue.length);
  };

  decideAndSubmit();
  while (running.size > 0 || queue.length > 0 || next < durations.length) {
    const nextEnd = Math.min(...running.values());
    const nextStep = steps[0]?.at ?? Number.POSITIVE_INFINITY;
    // Decisions also happen in time (the scheduler ticks every 250 ms).
    const nextTick = now + 250;
    const t = Math.min(nextEnd, nextStep, nextTick);
    if (next < durations.length) {
      busyArea += running.size * (t - now);
      capArea += c * (t - now);
    }
    now = t;
    if (t === nextStep) {
      c = (steps.shift() as { c: number }).c;
      fill();
    }
    for (const [rid, end] of [...running])
      if (end <= now) {
        running.delete(rid);
        controller.finished(rid, now);
      }
    fill();
    decideAndSubmit();
  }
  return {
    makespan: now,
    occupancy: capArea === 0 ? 1 : busyArea / capArea,
    maxQueued,
    targets,
    meanDuration: durations.reduce((a, b) => a + b, 0) / durations.length,
  };
}

/** n durations drawn uniformly from [min, max] with a fixed seed. */
export function uniformDurations(n: number, min: number, max: number, seed = 1): number[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => Math.round(min + random() * (max - min)));
}
