import { relative } from "node:path";
import { loadReviewInputs } from "../pipeline/review-inputs.js";
import { serveReview } from "../review/serve-review.js";
import { EXIT } from "./exit-codes.js";
import { type OpenUrl, systemOpener } from "./open-browser.js";
import { outputFolderOf } from "./output-folder.js";
import type { OutputFolderFlags } from "./output-folder-option.js";
import type { CliIo } from "./streams.js";

/** Flags of `review`, as commander parses them. */
export interface ReviewFlags extends OutputFolderFlags {
  readonly port: number;
  /** Open the app in the browser once it is served. */
  readonly open?: boolean;
}

/**
 * `seedream-pipeline review <folder|manifest>`: serves the review app on 127.0.0.1, prints its
 * URL (and opens it with `--open`), and runs until SIGINT or SIGTERM (every decision is on disk
 * as soon as the page shows it saved). `open` is how a URL is opened (tests pass their own).
 */
export async function reviewCommand(
  target: string,
  flags: ReviewFlags,
  io: CliIo,
  open: OpenUrl = systemOpener(io.env),
): Promise<number> {
  const outputDir = await outputFolderOf(target, flags);
  const server = await serveReview({ outputDir, port: flags.port, loadInputs: loadReviewInputs });
  for (const w of server.warnings) io.stderr.write(`seedream-pipeline: ${w}\n`);
  const where = relative(process.cwd(), outputDir) || ".";
  io.stdout.write(`review app: ${server.url}  (${where}; only on this machine; Ctrl-C to stop)\n`);
  if (flags.open)
    await open(server.url).catch((error: Error) =>
      io.stderr.write(
        `seedream-pipeline: could not open a browser (${error.message}); open ${server.url} yourself\n`,
      ),
    );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
  return EXIT.ok;
}
