import type { Command } from "commander";
import { withOutputFolder } from "./output-folder-option.js";
import { wholeNumber } from "./parse-values.js";
import type { CliIo } from "./streams.js";

/** Adds `publish` (and `review`) to the program: what happens to images after a run. */
export function addReviewCommands(program: Command, io: CliIo, done: (code: number) => void): void {
  withOutputFolder(
    program
      .command("review")
      .description(
        "serve the review app on 127.0.0.1: results beside their inputs, approve or reject (a / r), until stopped",
      ),
  )
    .option("-p, --port <port>", "port (0 picks a free one)", wholeNumber(0, 65535), 0)
    .option("--open", "open the app in the browser ($BROWSER, else the system's)")
    .action(async (target: string, flags) => {
      const { reviewCommand } = await import("./review-command.js");
      done(await reviewCommand(target, flags, io));
    });

  withOutputFolder(program.command("publish"))
    .description(
      "copy the approved images (with derivatives and sidecars) to a folder or S3-compatible storage; idempotent and resumable",
    )
    .requiredOption(
      "--to <dest>",
      "a folder, or s3://bucket/prefix (credentials: the AWS environment or profile)",
    )
    .option("--all", "publish every successful image, reviewed or not")
    .option("--dry-run", "list what would be sent (and deleted); send nothing")
    .option(
      "--check",
      "ask the destination about every file (a HEAD: size and sha256) instead of trusting the publish journal; send what is missing or different there",
    )
    .option(
      "--delete-stale",
      "remove the files this folder published there earlier that are no longer chosen (approval lapsed, rejected, job gone)",
    )
    .option(
      "--no-sidecars",
      "leave each image's sidecar (prompt, row, fal request id) out: for a public bucket",
    )
    .option("--json", "print the outcome as one JSON document")
    .option(
      "--allow-emulated",
      "publish images made by the emulator or another base URL, not fal (refused without it)",
    )
    .option("--endpoint <url>", "S3-compatible endpoint (R2, MinIO, GCS interop); default AWS S3")
    .option(
      "--region <region>",
      "S3 region (default: AWS_REGION or the profile's; with --endpoint and neither, us-east-1)",
    )
    .option(
      "--profile <name>",
      "AWS profile of the shared config and credentials files (default: AWS_PROFILE)",
    )
    .option("--force-path-style", "bucket in the URL path, not the host name (MinIO, most local servers)")
    .option("--concurrency <n>", "files in flight at once", wholeNumber(1, 64), 8)
    .option("--cache-control <value>", "Cache-Control of images and derivatives", "public, max-age=86400")
    .action(async (target: string, flags) => {
      const { publishCommand } = await import("./publish-command.js");
      done(await publishCommand(target, flags, io));
    });
}
