import { loadReviewInputs } from "../pipeline/review-inputs.js";
import { serveReview } from "../review/serve-review.js";
import { EXIT } from "./exit-codes.js";
import type { CliIo } from "./streams.js";

/**
 * `seedream-pipeline review <folder>`: serves the review app on 127.0.0.1, prints its URL, and
 * runs until SIGINT or SIGTERM (every decision is on disk as soon as the page shows it saved).
 */
export async function reviewCommand(folder: string, flags: { port: number }, io: CliIo): Promise<number> {
  const server = await serveReview({ outputDir: folder, port: flags.port, loadInputs: loadReviewInputs });
  for (const w of server.warnings) io.stderr.write(`seedream-pipeline: ${w}\n`);
  io.stdout.write(`review app: ${server.url}  (only on this machine; Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
  return EXIT.ok;
}
