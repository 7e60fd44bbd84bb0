import type { z } from "zod";
import type { jobSchema, outputSchema, reportSchema, spendSchema } from "./schema.js";

/**
 * The report's types are inferred from its schema (`schema.ts`), which is declared once: what a
 * run writes and what `schema/report.schema.json` promises cannot drift apart. Deeply readonly:
 * a report is made once and only read after.
 */
type DeepReadonly<T> = T extends (infer U)[]
  ? ReadonlyArray<DeepReadonly<U>>
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** `report.json`: what a run did, per job, with totals that add up. */
export type Report = DeepReadonly<z.infer<typeof reportSchema>>;
/** One job of the report. */
export type ReportJob = DeepReadonly<z.infer<typeof jobSchema>>;
/** One rendered image of a job (the gallery, review and publish see these only). */
export type ReportOutput = DeepReadonly<z.infer<typeof outputSchema>>;
/** Requests fal accepted (or may have), by how they stand; see `Spend`. */
export type ReportSpend = DeepReadonly<z.infer<typeof spendSchema>>;
/** When each step of a job happened. */
export type ReportTimings = ReportJob["timings"];
/** The price per image a run used for an endpoint, and where it came from. */
export type ReportPrice = NonNullable<Report["run"]["prices"]>[number];

/**
 * A report whose jobs are made as they are read: a run's (100,000 jobs are never all held at
 * once: each pass over `jobs` makes them anew from what the run holds). A `Report` read from
 * disk is one too.
 */
export type StreamedReport = Omit<Report, "jobs"> & { readonly jobs: Iterable<ReportJob> };

/** An iterable that calls `make` each time it is iterated (a generator function is iterable once). */
export function reiterable<T>(make: () => Iterable<T>): Iterable<T> {
  return { [Symbol.iterator]: () => make()[Symbol.iterator]() };
}
