import { resolve } from "node:path";
import { type PublishOutcome, publishOutput } from "../publish/index.js";
import { readReportFile } from "../review/read-report-file.js";
import { EXIT } from "./exit-codes.js";
import type { CliIo } from "./streams.js";

/** Flags of `publish`, as commander parses them. */
export interface PublishFlags {
  readonly to: string;
  readonly all?: boolean;
  readonly dryRun?: boolean;
  readonly endpoint?: string;
  readonly region?: string;
  readonly forcePathStyle?: boolean;
  readonly concurrency: number;
  readonly cacheControl?: string;
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

function heldLine(outcome: PublishOutcome): string {
  if (outcome.held.length === 0) return "";
  const by = new Map<string, number>();
  for (const h of outcome.held) {
    const what = h.reason ? `${h.state} (${h.reason})` : h.state;
    by.set(what, (by.get(what) ?? 0) + 1);
  }
  return `held back (not approved): ${[...by].map(([what, n]) => `${n} ${what}`).join(", ")}\n`;
}

/**
 * `seedream-pipeline publish <folder> --to <dest>`: copies the approved images (or every
 * successful one with `--all`) and their derivatives and sidecars; exit 1 when a file failed.
 */
export async function publishCommand(folder: string, flags: PublishFlags, io: CliIo): Promise<number> {
  const outputDir = resolve(folder);
  const report = await readReportFile(outputDir);
  const s3 = {
    ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.forcePathStyle ? { forcePathStyle: true } : {}),
  };
  const outcome = await publishOutput({
    outputDir,
    report,
    to: flags.to,
    s3,
    concurrency: flags.concurrency,
    ...(flags.all ? { all: true } : {}),
    ...(flags.dryRun ? { dryRun: true } : {}),
    ...(flags.cacheControl ? { imageCacheControl: flags.cacheControl } : {}),
    onFile: (f) => {
      if (f.outcome === "would send") io.stdout.write(`would send ${f.key} (${f.bytes} bytes)\n`);
      if (f.outcome === "failed") io.stderr.write(`seedream-pipeline: publish ${f.key}: ${f.message}\n`);
    },
  });
  const o = outcome;
  if (o.files.length === 0 && !flags.all)
    io.stdout.write(
      `nothing approved to publish in ${folder}: review it (seedream-pipeline review ${folder}) or publish every successful image with --all\n`,
    );
  const manifest = o.manifest
    ? `manifest ${o.manifest.key} ${o.manifest.outcome === "present" ? "unchanged" : o.manifest.outcome}`
    : "no manifest written (a file failed)";
  io.stdout.write(
    flags.dryRun
      ? `dry run to ${o.destination}: ${o.files.filter((f) => f.outcome === "would send").length} files would be sent, ${o.present} already there; ${manifest}\n`
      : `published to ${o.destination}: ${o.sent} files sent (${mb(o.bytesSent)}), ${o.present} already there, ${o.failed} failed; ${manifest}\n`,
  );
  io.stdout.write(heldLine(o));
  return o.failed > 0 ? EXIT.jobsFailed : EXIT.ok;
}
