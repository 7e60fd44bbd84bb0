import { relative } from "node:path";
import { prunePipeline } from "../pipeline/prune.js";
import { EXIT } from "./exit-codes.js";
import { outputFolderOf } from "./output-folder.js";
import type { OutputFolderFlags } from "./output-folder-option.js";
import type { CliIo } from "./streams.js";

/**
 * `seedream-pipeline prune <folder|manifest> [--yes]`: lists the outputs of jobs no longer in the
 * manifest and the unreferenced originals; removes them only with `--yes` (a dry run by default).
 */
export async function pruneCommand(
  target: string,
  flags: OutputFolderFlags & { readonly yes?: boolean },
  io: CliIo,
): Promise<number> {
  const folder = await outputFolderOf(target, flags);
  const yes = flags.yes === true;
  const r = await prunePipeline(folder, yes);
  const lines: string[] = [];
  for (const o of r.orphans)
    for (const p of o.paths)
      lines.push(`${yes ? "removed" : "would remove"} ${p} (job ${o.job}, no longer in the manifest)`);
  for (const p of r.originals)
    lines.push(
      `${yes ? "removed" : "would remove"} ${relative(folder, p)} (an original no current job uses)`,
    );
  const files = r.orphans.reduce((n, o) => n + o.paths.length, 0) + r.originals.length;
  const mb = (r.bytes / 1e6).toFixed(1);
  lines.push(
    files === 0
      ? "nothing to prune"
      : yes
        ? `${files} files removed, ${mb} MB freed`
        : `${files} files, ${mb} MB: a dry run; nothing removed (--yes removes them)`,
  );
  io.stdout.write(`${lines.join("\n")}\n`);
  return EXIT.ok;
}
