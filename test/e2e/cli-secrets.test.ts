import { readdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { runArgs } from "../helpers/e2e-run.js";
import { useEmulators } from "../helpers/emulator.js";
import { isSubmit, sendJson, startHostileFal } from "../helpers/hostile-fal.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();

/** A key no file or log may hold, in any of the forms it travels in. */
const CANARY = "sk-canary-5be1c0de-9f0e-4c11-a7d2-2f6e0b9d3a71";
const FORMS = [CANARY, Buffer.from(CANARY).toString("base64"), encodeURIComponent(`Key ${CANARY}`)];

const tempDir = useTempDirs();
let emulator: Emulator | undefined;
/** Every file under `dir` (dot folders included), by path relative to it. */
async function everyFile(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("the fal key", () => {
  it("appears in no file a run writes (outputs, sidecars, report, runs/, gallery, .state) nor in its logs", async () => {
    const dir = await tempDir();
    await writePng(join(dir, "studio.png"), 400, 300, "#8899aa");
    await writeFile(
      join(dir, "m.yaml"),
      `name: secret
model: seedream-v4.5
images: { studio: ./studio.png }
prompts: { hero: "The {{name}} in the studio of Figure 1." }
sizes: { square: square_hd, wide: landscape_16_9 }
rows: [{ sku: A, name: Alpha }, { sku: B, name: forbidden }]
jobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]
output:
  format: webp
  derivatives: { thumb: 256 webp }
`,
    );
    emulator = await emulators.start({
      apiKeys: [CANARY],
      render: "fast",
      inferenceMs: 10,
      blockedWords: ["forbidden"],
    });
    const out = join(dir, "out");
    const logFile = join(dir, "run.log");
    const env = { FAL_KEY: CANARY, LOG_LEVEL: "debug" };
    const args = runArgs(join(dir, "m.yaml"), out, emulator.url, "--log-file", logFile);
    const first = await runCli(args, { env });
    expect(first.code).toBe(1);
    // A second run (resume, up to date) and the report command write again.
    const second = await runCli(args, { env });
    const report = await runCli(["report", join(out, "secret")], { env });
    expect(report.code).toBe(0);
    // The key did reach fal: the check below is not vacuous.
    expect(emulator.requests.filter((r) => r.op === "submit" && r.status === 200)).toHaveLength(4);

    const files = [...(await everyFile(out)), logFile];
    for (const f of ["report.json", "index.html", ".state/journal.jsonl", "A-square-1.webp.json"])
      expect(files).toContain(join(out, "secret", f));
    expect(files.some((f) => f.includes(`${join("secret", "runs")}/`))).toBe(true);
    const leaks: string[] = [];
    for (const file of files) {
      const text = (await readFile(file)).toString("latin1");
      for (const form of FORMS) if (text.includes(form)) leaks.push(`${file}: ${form}`);
    }
    for (const [name, text] of Object.entries({
      "first stdout": first.stdout,
      "first stderr": first.stderr,
      "second stdout": second.stdout,
      "second stderr": second.stderr,
      "report stdout": report.stdout,
      "report stderr": report.stderr,
    }))
      for (const form of FORMS) if (text.includes(form)) leaks.push(`${name}: ${form}`);
    expect(leaks).toEqual([]);
  });
});

/** The credentials publish and the run hold besides the fal key: none may be written anywhere either. */
const AWS = {
  AWS_ACCESS_KEY_ID: "AKIACANARY7D1E5A903C4B",
  AWS_SECRET_ACCESS_KEY: "aws-canary-secret/9f0e4c11+a7d2+2f6e0b9d3a71",
  AWS_SESSION_TOKEN: "aws-canary-session-token-5be1c0de9f0e4c11a7d2",
};
const formsOf = (value: string) => [
  value,
  Buffer.from(value).toString("base64"),
  Buffer.from(`x:${value}`).toString("base64").slice(4),
  encodeURIComponent(value),
];
/** Each credential as a hostile answer echoes it: raw, base64 (two alignments), URL-encoded. */
const echoOf = (value: string) =>
  `${value} ${Buffer.from(value).toString("base64")} ${Buffer.from(`x:${value}`).toString("base64")} ${encodeURIComponent(value)}`;

describe("every credential the process holds", () => {
  it("an AWS credential echoed by fal and by the publish destination reaches no file, log or output", async () => {
    const dir = await tempDir();
    await writePng(join(dir, "studio.png"), 64, 48, "#8899aa");
    await writeFile(
      join(dir, "m.yaml"),
      `name: secret
model: seedream-v4.5
images: { studio: ./studio.png }
prompts: { hero: "The {{sku}} in Figure 1." }
sizes: { square: square_hd }
rows: [{ sku: A }, { sku: B }]
jobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]
`,
    );
    const echo = Object.values(AWS).map(echoOf).join(" ");
    emulator = await emulators.start({ apiKeys: [CANARY], render: "fast", inferenceMs: 10 });
    const upstream = emulator.url;
    // fal's address answers one submit with a 422 that echoes every AWS credential.
    const fal = await startHostileFal(upstream, (req, res) => {
      if (!isSubmit(req) || !req.body.toString().includes("The B ")) return false;
      sendJson(res, 422, { detail: [{ loc: ["body", "prompt"], msg: `bad prompt for ${echo}`, type: "x" }] });
      return true;
    });
    // An S3 endpoint that has nothing (HEAD 404) and refuses every PUT with an error body echoing them.
    const authorizations: string[] = [];
    const s3 = createServer((req, res) => {
      authorizations.push(req.headers.authorization ?? "");
      req.resume();
      if (req.method === "HEAD") {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(403, { "content-type": "application/xml" });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>denied: ${echo}</Message><AWSAccessKeyId>${AWS.AWS_ACCESS_KEY_ID}</AWSAccessKeyId><RequestId>r1</RequestId></Error>`,
      );
    });
    await new Promise<void>((resolve) => s3.listen(0, "127.0.0.1", resolve));
    const s3Url = `http://127.0.0.1:${(s3.address() as AddressInfo).port}`;
    try {
      const out = join(dir, "out");
      const logFile = join(dir, "run.log");
      const env = { FAL_KEY: CANARY, LOG_LEVEL: "debug", AWS_REGION: "us-east-1", ...AWS };
      const run = await runCli(runArgs(join(dir, "m.yaml"), out, fal.url, "--log-file", logFile), { env });
      expect(run.code).toBe(1);
      const publish = await runCli(
        [
          "publish",
          join(out, "secret"),
          "--to",
          "s3://bucket/p",
          "--endpoint",
          s3Url,
          "--force-path-style",
          "--all",
          "--allow-emulated",
        ],
        { env },
      );
      const report = await runCli(["report", join(out, "secret")], { env });

      // The echoes did arrive, and were scrubbed: the checks below are not vacuous.
      expect(run.stderr).toContain("bad prompt for [redacted]");
      expect(publish.code).not.toBe(0);
      expect(publish.stderr).toContain("denied: [redacted]");
      expect(authorizations.some((a) => a.includes(AWS.AWS_ACCESS_KEY_ID))).toBe(true);

      const files = [...(await everyFile(out)), logFile];
      for (const f of ["report.json", "index.html", ".state/journal.jsonl"])
        expect(files).toContain(join(out, "secret", f));
      expect(files.some((f) => f.includes(`${join("secret", ".state", "publish")}/`))).toBe(true);
      const forms = Object.values(AWS).flatMap(formsOf);
      const leaks: string[] = [];
      for (const file of files) {
        const text = (await readFile(file)).toString("latin1");
        for (const form of forms) if (text.includes(form)) leaks.push(`${file}: ${form}`);
      }
      for (const [name, text] of Object.entries({
        "run stdout": run.stdout,
        "run stderr": run.stderr,
        "publish stdout": publish.stdout,
        "publish stderr": publish.stderr,
        "report stdout": report.stdout,
        "report stderr": report.stderr,
      }))
        for (const form of forms) if (text.includes(form)) leaks.push(`${name}: ${form}`);
      expect(leaks).toEqual([]);
    } finally {
      await fal.close();
      await new Promise<void>((resolve) => s3.close(() => resolve()));
    }
  });
});
