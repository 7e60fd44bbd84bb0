import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PipelineError } from "../errors.js";
import { type Report, reportSchema } from "../report/index.js";

/** Reads and checks `<folder>/report.json`; a folder without a readable one is a usage error. */
export async function readReportFile(folder: string): Promise<Report> {
  try {
    return reportSchema.parse(
      JSON.parse(await readFile(join(folder, "report.json"), "utf8")),
    ) as unknown as Report;
  } catch (error) {
    throw new PipelineError(
      "USAGE",
      `${folder}: no readable report.json (${(error as Error).message.split("\n")[0]})`,
    );
  }
}
