import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseShard } from "../../src/render/shard.js";

const run = promisify(execFile);
const example = (name: string) =>
  readFile(new URL(`../../examples/scheduling/${name}`, import.meta.url), "utf8");

interface RenderCronJob {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    schedule: string;
    concurrencyPolicy: string;
    jobTemplate: {
      spec: {
        completionMode: string;
        completions: number;
        parallelism: number;
        template: {
          spec: {
            restartPolicy: string;
            containers: Array<{
              command: string[];
              args: string[];
              volumeMounts: Array<{ name: string; mountPath: string }>;
            }>;
            volumes: Array<{ name: string; persistentVolumeClaim: { claimName: string } }>;
          };
        };
      };
    };
  };
}

describe("the Kubernetes render example (an Indexed Job)", () => {
  it("runs one `render --shard i/n` per index, i from 1 to n exactly once, on the run's output volume", async () => {
    const docs = parseAllDocuments(await example("kubernetes-render-job.yaml"));
    for (const d of docs) expect(d.errors).toEqual([]);
    const [job, ...rest] = docs.map((d) => d.toJS() as RenderCronJob);
    expect(rest).toEqual([]);
    if (!job) throw new Error("no object");
    expect([job.apiVersion, job.kind, job.metadata.name]).toEqual([
      "batch/v1",
      "CronJob",
      "seedream-catalog-render",
    ]);
    expect(job.spec.concurrencyPolicy).toBe("Forbid");
    // At the hour of the nightly run, so the pods render while it delivers.
    const runs = parseAllDocuments(await example("kubernetes-cronjob.yaml")).map(
      (d) =>
        d.toJS() as {
          kind: string;
          metadata: { name: string };
          spec: {
            schedule?: string;
            jobTemplate?: { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
          };
        },
    );
    const nightly = runs.find((o) => o.kind === "CronJob" && o.metadata.name === "seedream-catalog");
    expect(job.spec.schedule).toBe(nightly?.spec.schedule);
    const claims = runs.filter((o) => o.kind === "PersistentVolumeClaim").map((o) => o.metadata.name);
    const indexed = job.spec.jobTemplate.spec;
    expect(indexed.completionMode).toBe("Indexed");
    expect(indexed.parallelism).toBe(indexed.completions);
    const pod = indexed.template.spec;
    expect(pod.restartPolicy).toBe("Never");
    for (const v of pod.volumes) expect(claims).toContain(v.persistentVolumeClaim.claimName);
    const [container] = pod.containers;
    if (!container) throw new Error("no container");
    expect(container.command).toEqual(["sh", "-c"]);
    const [script] = container.args;
    // The folder it renders is the one the nightly run writes: <-o>/<pipeline name>.
    const runArgs = nightly?.spec.jobTemplate?.spec.template.spec.containers[0]?.args ?? [];
    const output = runArgs[runArgs.indexOf("-o") + 1];
    expect(script).toContain(`render ${output}/catalog-refresh --shard`);
    for (const m of container.volumeMounts) expect(pod.volumes.map((v) => v.name)).toContain(m.name);
    expect(container.volumeMounts.some((m) => output?.startsWith(m.mountPath))).toBe(true);
    // What each pod's shell makes of its index: shards 1..n, each once, each one `render` accepts.
    const shards: string[] = [];
    for (let index = 0; index < indexed.completions; index++) {
      const { stdout } = await run(
        "sh",
        ["-c", (script as string).replace(/^exec seedream-pipeline /, "printf '%s\\n' ")],
        {
          env: { JOB_COMPLETION_INDEX: String(index), PATH: process.env.PATH ?? "" },
        },
      );
      const args = stdout.trim().split("\n");
      expect(args.slice(0, 2)).toEqual(["render", `${output}/catalog-refresh`]);
      const shard = args[args.indexOf("--shard") + 1] as string;
      expect(parseShard(shard).count).toBe(indexed.completions);
      shards.push(shard);
    }
    expect(shards).toEqual(
      Array.from({ length: indexed.completions }, (_, i) => `${i + 1}/${indexed.completions}`),
    );
  });
});
