import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { type LocalS3, startLocalS3 } from "../helpers/s3-server.js";
import { useTempDirs } from "../helpers/temp-dir.js";
import {
  EXAMPLE_FAL_KEY,
  EXAMPLES,
  exec,
  has,
  makeSandbox,
  readByKubectl,
  readByShell,
  readBySystemd,
  type Sandbox,
  SYSTEMD_ENV_GENERATOR,
  startPingServer,
  unitSettings,
} from "./scheduling-sandbox.js";

const tempDir = useTempDirs();
const example = (name: string) => readFile(join(EXAMPLES, name), "utf8");
const SECRETS = ["FAL_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

let emulator: Emulator;
let s3: LocalS3;
let pings: Awaited<ReturnType<typeof startPingServer>>;
let s3Dir: string;
beforeAll(async () => {
  emulator = await startEmulator({
    apiKeys: [EXAMPLE_FAL_KEY],
    inferenceMs: 10,
    concurrency: 8,
    render: "fast",
  });
  s3Dir = await mkdtemp(join(tmpdir(), "seedream-s3-"));
  s3 = await startLocalS3(s3Dir, "shop-images");
  pings = await startPingServer();
});
afterAll(async () => {
  await Promise.all([emulator?.close(), s3?.close(), pings?.close()]);
  if (s3Dir) await rm(s3Dir, { recursive: true, force: true });
});

async function sandbox(): Promise<Sandbox> {
  return makeSandbox(await tempDir(), { falBaseUrl: emulator.url, s3Url: s3.url, notifyUrl: pings.url });
}

/** Runs one command line of an example (after mapping) through sh, with the sandbox's PATH. */
async function sh(box: Sandbox, command: string, env: Record<string, string> = {}, cwd = box.root) {
  return exec("sh", ["-c", command], {
    cwd,
    env: { HOME: box.root, PATH: `${box.shims}:/usr/local/bin:/usr/bin:/bin`, ...env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  }).catch((error: { code?: number; stdout?: string; stderr?: string }) => {
    throw new Error(`exit ${error.code}: ${command}\n${error.stdout ?? ""}\n${error.stderr ?? ""}`);
  });
}

async function totals(outputDir: string) {
  return JSON.parse(await readFile(join(outputDir, "report.json"), "utf8")).totals;
}

describe("the env file, read by every scheduler alike", () => {
  it("gives the same three secrets to cron's shell (sh and bash), systemd's parser and kubectl", async () => {
    const file = join(EXAMPLES, "env");
    const bySh = await readByShell("sh", file);
    expect(Object.keys(bySh).sort()).toEqual([...SECRETS].sort());
    expect(bySh.FAL_KEY).toBe(EXAMPLE_FAL_KEY);
    expect(await readByShell("bash", file)).toEqual(bySh);
    if (SYSTEMD_ENV_GENERATOR)
      expect(await readBySystemd(SYSTEMD_ENV_GENERATOR, file, await tempDir())).toEqual(bySh);
    else console.warn("systemd's environment.d generator is not installed: systemd's reading not checked");
    if (await has("kubectl")) expect(await readByKubectl(file)).toEqual(bySh);
    else console.warn("kubectl is not installed: --from-env-file not checked");
  });

  it.skipIf(!SYSTEMD_ENV_GENERATOR)("would catch an `export` line, which systemd skips", async () => {
    const dir = await tempDir();
    const file = join(dir, "env");
    await writeFile(file, "export FAL_KEY=abc\n");
    expect((await readByShell("sh", file)).FAL_KEY).toBe("abc");
    expect((await readBySystemd(SYSTEMD_ENV_GENERATOR as string, file, dir)).FAL_KEY).toBeUndefined();
  });
});

describe("the systemd units", () => {
  const units = ["seedream-catalog.service", "seedream-catalog-publish.service", "seedream-catalog.timer"];

  /** A root with systemd's own units, ours, and `seedream-pipeline` where `npm install -g` puts it. */
  async function systemdRoot(withBin: boolean): Promise<{ root: string; paths: string[] }> {
    const root = await tempDir();
    await cp("/usr/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true });
    await mkdir(join(root, "etc/systemd/system"), { recursive: true });
    for (const u of units) await cp(join(EXAMPLES, u), join(root, "etc/systemd/system", u));
    if (withBin) {
      const prefix = (await exec("npm", ["prefix", "-g"])).stdout.trim();
      await mkdir(join(root, prefix, "bin"), { recursive: true });
      await writeFile(join(root, prefix, "bin", "seedream-pipeline"), "#!/bin/sh\n", { mode: 0o755 });
    }
    return { root, paths: units.map((u) => join(root, "etc/systemd/system", u)) };
  }

  it.skipIf(process.platform !== "linux")(
    "pass `systemd-analyze verify`, the command found where `npm install -g` puts it",
    async (ctx) => {
      if (!(await has("systemd-analyze"))) {
        ctx.skip("systemd-analyze is not installed (apt-get install systemd)");
        return;
      }
      const good = await systemdRoot(true);
      const verified = await exec("systemd-analyze", ["verify", `--root=${good.root}`, ...good.paths]).catch(
        (e: { stderr?: string }) => ({ stderr: `failed: ${e.stderr}` }),
      );
      expect(verified.stderr).toBe("");
      // The check sees a command that is not there, as it saw /usr/local/bin on Debian.
      const bad = await systemdRoot(false);
      const missing = await exec("systemd-analyze", ["verify", `--root=${bad.root}`, ...bad.paths]).then(
        () => "",
        (e: { stderr?: string }) => e.stderr ?? "",
      );
      expect(missing).toMatch(/seedream-pipeline is not executable/);
    },
  );

  it("run, then publish, with the environment systemd reads from the env file", async (ctx) => {
    if (!SYSTEMD_ENV_GENERATOR) {
      ctx.skip(
        "systemd's environment.d generator is not installed: its reading of EnvironmentFile= cannot be run",
      );
      return;
    }
    const box = await sandbox();
    const run = unitSettings(await example("seedream-catalog.service"));
    const publish = unitSettings(await example("seedream-catalog-publish.service"));
    expect(run.OnSuccess).toBe("seedream-catalog-publish.service");
    expect(run.OnFailure).toBe("seedream-catalog-publish.service");
    for (const unit of [run, publish]) {
      expect(unit.ExecStart).toMatch(/^seedream-pipeline /);
      const env = await readBySystemd(
        SYSTEMD_ENV_GENERATOR,
        box.map(unit.EnvironmentFile ?? ""),
        await tempDir(),
      );
      await sh(box, `exec ${box.map(unit.ExecStart ?? "")}`, env, box.map(unit.WorkingDirectory ?? ""));
    }
    const t = await totals(join(box.root, "srv/catalog/output/catalog-refresh"));
    expect(t).toMatchObject({ failed: 0 });
    expect(t.succeeded).toBeGreaterThan(0);
    expect(pings.seen.filter((p) => p.startsWith("POST /00000000")).length).toBeGreaterThanOrEqual(2);
  });
});

describe("the crontab", () => {
  it("is one schedule line that sources the env file, runs and publishes", async () => {
    const lines = (await example("crontab")).split("\n").filter((l) => l.trim() && !l.startsWith("#"));
    const path = lines.find((l) => l.startsWith("PATH="));
    const jobs = lines.filter((l) => !/^[A-Z_]+=/.test(l));
    expect(path).toBeDefined();
    expect(jobs).toHaveLength(1);
    const fields = (jobs[0] as string).split(/\s+/);
    expect(fields.slice(0, 5)).toEqual(["30", "1", "*", "*", "*"]);
    const command = fields.slice(5).join(" ");
    expect(command).not.toMatch(/%/); // cron would cut the line there
    const box = await sandbox();
    await sh(box, box.map(command), { SHELL: "/bin/sh", LOGNAME: "catalog" });
    const log = await readFile(join(box.root, "var/log/seedream/cron.log"), "utf8");
    expect(log).toMatch(/published to s3:\/\/shop-images\/catalog .*: 0 files sent/);
    const t = await totals(join(box.root, "srv/catalog/output/catalog-refresh"));
    expect(t).toMatchObject({ failed: 0 });
    expect(t.succeeded).toBeGreaterThan(0);
    expect(await readFile(join(box.root, "var/log/seedream/catalog-refresh.log"), "utf8")).not.toContain(
      EXAMPLE_FAL_KEY,
    );
  });
});

interface Container {
  args: string[];
  env?: Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface CronJob {
  metadata: { name: string };
  spec: {
    schedule: string;
    concurrencyPolicy?: string;
    jobTemplate: {
      spec: {
        template: {
          spec: {
            restartPolicy: string;
            containers: Container[];
            volumes: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>;
          };
        };
      };
    };
  };
}

describe("the Kubernetes example", () => {
  async function objects() {
    const docs = parseAllDocuments(await example("kubernetes-cronjob.yaml"));
    for (const d of docs) expect(d.errors).toEqual([]);
    return docs.map((d) => d.toJS() as { apiVersion: string; kind: string; metadata: { name: string } });
  }

  it("is well formed, makes no Secret, and references only what exists or it makes", async () => {
    const all = await objects();
    for (const o of all) {
      expect(o.metadata?.name).toMatch(/^[a-z0-9-]+$/);
      expect({ kind: o.kind, apiVersion: o.apiVersion }).toEqual(
        o.kind === "CronJob"
          ? { kind: "CronJob", apiVersion: "batch/v1" }
          : { kind: "PersistentVolumeClaim", apiVersion: "v1" },
      );
    }
    const claims = all.filter((o) => o.kind === "PersistentVolumeClaim").map((o) => o.metadata.name);
    const cronJobs = all.filter((o) => o.kind === "CronJob") as unknown as CronJob[];
    expect(cronJobs.map((c) => c.metadata.name)).toEqual(["seedream-catalog", "seedream-catalog-publish"]);
    const envKeys = (await example("env")).match(/^[A-Z_]+(?==)/gm) ?? [];
    for (const job of cronJobs) {
      expect(job.spec.concurrencyPolicy).toBe("Forbid");
      expect(job.spec.schedule.split(" ")).toHaveLength(5);
      const pod = job.spec.jobTemplate.spec.template.spec;
      expect(pod.restartPolicy).toBe("Never");
      for (const v of pod.volumes) expect(claims).toContain(v.persistentVolumeClaim?.claimName);
      for (const c of pod.containers) {
        const mounts = c.volumeMounts ?? [];
        for (const m of mounts) expect(pod.volumes.map((v) => v.name)).toContain(m.name);
        // Every path the command names is on a volume: nothing of the catalog is in the image.
        for (const arg of c.args.filter((a) => a.startsWith("/")))
          expect(
            mounts.some((m) => arg.startsWith(`${m.mountPath}/`) || arg === m.mountPath),
            arg,
          ).toBe(true);
        for (const e of c.env ?? []) {
          expect(e.valueFrom?.secretKeyRef?.name).toBe("seedream-secrets");
          expect(envKeys).toContain(e.valueFrom?.secretKeyRef?.key);
        }
      }
    }
    const dockerfile = await example("Dockerfile");
    expect(dockerfile).not.toMatch(/^COPY (?!seedream-pipeline-\*\.tgz)/m);
  });

  it("its two containers' commands run, then publish, on the volumes' contents", async () => {
    const box = await sandbox();
    const cronJobs = (await objects()).filter((o) => o.kind === "CronJob") as unknown as CronJob[];
    const secrets = await readByShell("sh", join(box.root, "etc/seedream-pipeline/env"));
    for (const job of cronJobs) {
      const container = job.spec.jobTemplate.spec.template.spec.containers[0] as Container;
      const env = Object.fromEntries(
        (container.env ?? []).map((e) => [e.name, secrets[e.valueFrom?.secretKeyRef?.key ?? ""] ?? ""]),
      );
      await sh(box, `exec seedream-pipeline ${box.map(container.args.join(" "))}`, env);
    }
    const t = await totals(join(box.root, "data/output/catalog-refresh"));
    expect(t).toMatchObject({ failed: 0 });
    expect(t.succeeded).toBeGreaterThan(0);
  });
});

describe("the GitHub Actions workflow", () => {
  it("keeps the state folder of the pipeline it runs, and its run step runs", async () => {
    const [doc] = parseAllDocuments(await example("github-actions.yml"));
    const wf = doc?.toJS() as {
      on: { schedule: Array<{ cron: string }> };
      concurrency: { group: string };
      jobs: { run: { steps: Array<{ run?: string; uses?: string; with?: { path?: string } }> } };
    };
    expect(wf.on.schedule[0]?.cron.split(" ")).toHaveLength(5);
    const steps = wf.jobs.run.steps;
    const runStep = steps.find((s) => s.run?.startsWith("seedream-pipeline run"));
    expect(runStep?.run).toBe("seedream-pipeline run pipelines/catalog-refresh.yaml -o output --deadline 5h");
    for (const s of steps.filter((s) => s.uses?.startsWith("actions/cache/")))
      expect(s.with?.path).toBe("output/catalog-refresh/.state");
    const box = await sandbox();
    await sh(box, runStep?.run as string, { FAL_KEY: EXAMPLE_FAL_KEY }, join(box.root, "srv/catalog"));
    expect(await totals(join(box.root, "srv/catalog/output/catalog-refresh"))).toMatchObject({ failed: 0 });
  });
});
