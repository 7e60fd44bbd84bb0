import { type PublishedFile, type PublishOutcome, publishOutput } from "../publish/index.js";
import { readReportFile } from "../review/read-report-file.js";
import { EXIT } from "./exit-codes.js";
import { outputFolderOf } from "./output-folder.js";
import type { OutputFolderFlags } from "./output-folder-option.js";
import type { CliIo } from "./streams.js";

/** Flags of `publish`, as commander parses them. */
export interface PublishFlags extends OutputFolderFlags {
  readonly to: string;
  readonly all?: boolean;
  readonly dryRun?: boolean;
  readonly check?: boolean;
  readonly deleteStale?: boolean;
  /** `--no-sidecars` makes it false. */
  readonly sidecars: boolean;
  readonly json?: boolean;
  readonly allowEmulated?: boolean;
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly forcePathStyle?: boolean;
  readonly concurrency: number;
  readonly cacheControl?: string;
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
const files = (n: number) => `${n} file${n === 1 ? "" : "s"}`;

/** At most 20 keys, then how many more. */
function some(keys: readonly string[]): string {
  return keys.length > 20 ? `${keys.slice(0, 20).join(", ")}, … (${keys.length} in all)` : keys.join(", ");
}

function heldLine(outcome: PublishOutcome): string {
  if (outcome.held.length === 0) return "";
  const by = new Map<string, number>();
  for (const h of outcome.held) {
    const what = h.reason ? `${h.state} (${h.reason})` : h.state;
    by.set(what, (by.get(what) ?? 0) + 1);
  }
  return `held back (not approved): ${[...by].map(([what, n]) => `${n} ${what}`).join(", ")}\n`;
}

/** The stale files: those removed, or those left and how to remove them. */
function staleLines(o: PublishOutcome, flags: PublishFlags): string {
  const removed = o.deleted.filter((d) => d.outcome !== "failed").map((d) => d.key);
  let text = "";
  if (removed.length > 0)
    text += `${flags.dryRun ? "would delete" : "deleted"} ${removed.length} stale file${removed.length === 1 ? "" : "s"}: ${some(removed)}\n`;
  const left = o.stale.filter((k) => !removed.includes(k));
  if (left.length > 0)
    text += `stale: ${left.length} file${left.length === 1 ? "" : "s"} published there earlier ${left.length === 1 ? "is" : "are"} no longer chosen (approval lapsed, rejected, or gone): ${some(left)}; --delete-stale removes them\n`;
  return text;
}

function summaryLine(o: PublishOutcome, flags: PublishFlags): string {
  const manifest = o.manifest
    ? `manifest ${o.manifest.key} ${o.manifest.outcome === "present" ? "unchanged" : o.manifest.outcome}`
    : "no manifest written (a file failed)";
  const restored = o.restored > 0 ? `, ${o.restored} missing or different there` : "";
  const checked = flags.check ? " (checked at the destination)" : "";
  return flags.dryRun
    ? `dry run to ${o.destination}: ${files(o.files.filter((f) => f.outcome === "would send").length)} would be sent${restored}, ${o.present} already there${checked}; ${manifest}\n`
    : `published to ${o.destination}: ${files(o.sent)} sent (${mb(o.bytesSent)})${restored}, ${o.present} already there${checked}, ${o.failed} failed; ${manifest}\n`;
}

/** The outcome as one JSON document (`--json`), for scripts. */
function jsonOutcome(o: PublishOutcome, flags: PublishFlags): string {
  const file = (f: PublishedFile) => ({
    key: f.key,
    outcome: f.outcome,
    bytes: f.bytes,
    ...(f.sha256 ? { sha256: f.sha256 } : {}),
    ...(f.restored ? { restored: f.restored } : {}),
    ...(f.message ? { message: f.message } : {}),
  });
  const body = {
    destination: o.destination,
    dry_run: flags.dryRun === true,
    checked: flags.check === true,
    sent: o.sent,
    present: o.present,
    failed: o.failed,
    restored: o.restored,
    bytes_sent: o.bytesSent,
    files: o.files.map(file),
    manifest: o.manifest ? file(o.manifest) : null,
    held: o.held,
    stale: o.stale,
    deleted: o.deleted.map(file),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/**
 * `seedream-pipeline publish <folder|manifest> --to <dest>`: copies the approved images (or every
 * successful one with `--all`) and their derivatives and sidecars; exit 1 when a file failed.
 */
export async function publishCommand(target: string, flags: PublishFlags, io: CliIo): Promise<number> {
  const outputDir = await outputFolderOf(target, flags);
  const report = await readReportFile(outputDir);
  const s3 = {
    ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
    ...(flags.forcePathStyle ? { forcePathStyle: true } : {}),
  };
  const o = await publishOutput({
    outputDir,
    report,
    to: flags.to,
    s3,
    concurrency: flags.concurrency,
    ...(flags.all ? { all: true } : {}),
    ...(flags.dryRun ? { dryRun: true } : {}),
    ...(flags.check ? { check: true } : {}),
    ...(flags.deleteStale ? { deleteStale: true } : {}),
    ...(flags.sidecars === false ? { sidecars: false } : {}),
    ...(flags.allowEmulated ? { allowEmulated: true } : {}),
    ...(flags.cacheControl ? { imageCacheControl: flags.cacheControl } : {}),
    onFile: (f) => {
      if (f.outcome === "failed") io.stderr.write(`seedream-pipeline: publish ${f.key}: ${f.message}\n`);
      if (flags.json) return;
      if (f.outcome === "would send")
        io.stdout.write(
          `would send ${f.key} (${f.bytes} bytes${f.restored ? `, ${f.restored} there` : ""})\n`,
        );
      if (f.restored && f.outcome === "sent") io.stdout.write(`restored ${f.key} (${f.restored} there)\n`);
    },
  });
  if (flags.json) {
    io.stdout.write(jsonOutcome(o, flags));
    return o.failed > 0 ? EXIT.jobsFailed : EXIT.ok;
  }
  if (o.files.length === 0 && !flags.all)
    io.stdout.write(
      `nothing approved to publish in ${target}: review it (seedream-pipeline review ${target}) or publish every successful image with --all\n`,
    );
  io.stdout.write(summaryLine(o, flags));
  io.stdout.write(staleLines(o, flags));
  io.stdout.write(heldLine(o));
  return o.failed > 0 ? EXIT.jobsFailed : EXIT.ok;
}
