import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import S3rver from "@20minutes/s3rver";

/** A local S3-compatible server (s3rver) behind a loopback proxy that counts and can hold requests. */
export interface LocalS3 {
  /** The endpoint to give the SDK (the proxy). */
  readonly url: string;
  readonly bucket: string;
  /** Every request seen: method and object key (without the bucket). */
  readonly requests: Array<{ method: string; key: string }>;
  /** PUTs per object key. */
  puts(): Map<string, number>;
  /**
   * After `puts` PUTs, let the next PUTs reach s3rver but hold their answers (the object is
   * stored, the client never hears so): for a client killed after the server acted.
   */
  holdAnswersAfter(puts: number): void;
  /** How many answers are held. */
  held(): number;
  close(): Promise<void>;
}

/** The environment the AWS SDK needs to talk to the local server (s3rver's fixed credentials). */
export const S3_ENV = {
  AWS_ACCESS_KEY_ID: "S3RVER",
  AWS_SECRET_ACCESS_KEY: "S3RVER",
  AWS_REGION: "us-east-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

/** Starts s3rver on 127.0.0.1 (files under `directory`, one bucket) and the proxy before it. */
export async function startLocalS3(directory: string, bucket = "published"): Promise<LocalS3> {
  const s3 = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port: upstream } = await s3.run();
  const requests: Array<{ method: string; key: string }> = [];
  let holdAfter = Number.POSITIVE_INFINITY;
  let held = 0;
  const proxy: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? "").split("?")[0] ?? "");
    requests.push({ method: req.method ?? "", key: path.replace(`/${bucket}/`, "") });
    const hold = req.method === "PUT" && requests.filter((r) => r.method === "PUT").length > holdAfter;
    const out = request(
      { host: "127.0.0.1", port: upstream, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (hold) {
          held++;
          answer.resume();
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bucket,
    requests,
    puts() {
      const counts = new Map<string, number>();
      for (const r of requests) if (r.method === "PUT") counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
      return counts;
    },
    holdAnswersAfter(puts: number) {
      holdAfter = puts;
    },
    held: () => held,
    async close() {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await s3.close();
    },
  };
}
