import { relative } from "node:path";
import { PipelineError } from "../errors.js";
import { createLogger } from "../log/logger.js";
import { type RenderFolderResult, renderFolder } from "../render/render-folder.js";
import { parseShard } from "../render/shard.js";
import { EXIT } from "./exit-codes.js";
import { outputFolderOf } from "./output-folder.js";
import type { OutputFolderFlags } from "./output-folder-option.js";
import { rebuildReview } from "./report-command.js";
import type { CliIo } from "./streams.js";

/** `render`'s flags. */
export interface RenderFlags {
  readonly shard?: string;
  readonly parallel?: number;
  readonly quiet?: boolean;
}

/**
 * `seedream-pipeline render <folder|manifest> [--shard i/n]`: renders what a folder holds kept and not
 * rendered, from fal's originals, with no call to fal; SIGTERM/SIGINT stop it after the images
 * being rendered (what is left stays kept).
 */
export async function renderCommand(
  target: string,
  flags: OutputFolderFlags & RenderFlags,
  io: CliIo,
): Promise<number> {
  const folder = await outputFolderOf(target, flags);
  let shard: ReturnType<typeof parseShard> | undefined;
  try {
    shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  } catch (error) {
    throw new PipelineError("USAGE", (error as Error).message);
  }
  const logger = createLogger({
    stream: io.stderr,
    level: io.env.LOG_LEVEL ?? (flags.quiet ? "warn" : "info"),
  });
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const r = await renderFolder({
      folder,
      logger,
      signal: interrupt.signal,
      ...(shard === undefined ? {} : { shard }),
      ...(flags.parallel === undefined ? {} : { parallel: flags.parallel }),
      // The gallery and contact sheet show what report.json lists: made again with it.
      onReport: async () => {
        await rebuildReview(folder, io);
      },
    });
    const where = relative(process.cwd(), folder) || ".";
    io.stdout.write(
      `${where}: shard ${r.shard.index}/${r.shard.count}: ${r.rendered} images rendered` +
        `${r.failed ? `, ${r.failed} could not be (they stay kept; see the log)` : ""}` +
        `${r.otherShards ? `; ${r.otherShards} kept images belong to other shards` : ""}\n` +
        reportLine(r.report),
    );
    if (interrupt.signal.aborted) return EXIT.sigterm;
    return r.failed > 0 ? EXIT.jobsFailed : EXIT.ok;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** What report.json (and the gallery made from it) says now. */
function reportLine(report: RenderFolderResult["report"]): string {
  if (report === undefined) return "report.json had nothing waiting to render (a run writes it as it ends)\n";
  return `report.json and the gallery list them${report.unrendered ? `; ${report.unrendered} images are still kept, not rendered` : ": every kept image is rendered"}\n`;
}
