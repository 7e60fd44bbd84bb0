import { join } from "node:path";
import { PipelineError } from "../errors.js";
import { readTextFile } from "../files/index.js";
import { type Report, reportSchema } from "../report/index.js";

/**
 * Reads and checks `<folder>/report.json`; a folder without a readable one is a usage error,
 * a link in its place a STATE_UNTRUSTED one.
 */
export async function readReportFile(folder: string): Promise<Report> {
  const path = join(folder, "report.json");
  try {
    const text = await readTextFile(path);
    if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    return reportSchema.parse(JSON.parse(text)) as unknown as Report;
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    throw new PipelineError(
      "USAGE",
      `${folder}: no readable report.json (${(error as Error).message.split("\n")[0]})`,
    );
  }
}
