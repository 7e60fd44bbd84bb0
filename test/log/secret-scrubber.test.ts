import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  credentialsInEnv,
  envScrubber,
  SecretScrubber,
  scrubbedStream,
  scrubError,
} from "../../src/log/secret-scrubber.js";

const SECRET = "aws-canary-secret/9f0e4c11+a7d2";

describe("credentialsInEnv", () => {
  it("finds fal's, AWS's and any variable named as a credential; not ordinary settings", () => {
    const env = {
      FAL_KEY: "fal-1",
      FAL_KEY_ID: "fal-id",
      FAL_KEY_SECRET: "fal-secret",
      AWS_ACCESS_KEY_ID: "AKIA1",
      AWS_SECRET_ACCESS_KEY: "aws-secret",
      AWS_SESSION_TOKEN: "aws-token",
      GITHUB_TOKEN: "gh-token",
      SLACK_WEBHOOK_SECRET: "slack",
      DB_PASSWORD: "db",
      OPENAI_API_KEY: "oa",
      AWS_REGION: "us-east-1",
      AWS_PROFILE: "default",
      PATH: "/usr/bin",
      LOG_LEVEL: "debug",
      HOME: "/root",
      TOKENIZER_DIR: "/x",
    };
    expect(credentialsInEnv(env)).toEqual([
      "fal-1",
      "fal-id",
      "fal-secret",
      "AKIA1",
      "aws-secret",
      "aws-token",
      "gh-token",
      "slack",
      "db",
      "oa",
    ]);
  });

  it("scrubs none shorter than 8 characters (they would garble ordinary text), nor empty ones", () => {
    const s = envScrubber({ AWS_SECRET_ACCESS_KEY: "S3RVER", GITHUB_TOKEN: "", FAL_KEY: SECRET });
    expect(s.values).toEqual([SECRET]);
    expect(s.scrub("S3RVER said no")).toBe("S3RVER said no");
  });
});

describe("scrubbedStream", () => {
  it("scrubs what is written (strings and bytes, every form), and is the same stream in all else", async () => {
    const inner = Object.assign(new PassThrough(), { isTTY: true });
    const stream = scrubbedStream(inner, new SecretScrubber([SECRET]));
    expect(stream.isTTY).toBe(true);
    stream.write(`a ${SECRET} b\n`);
    stream.write(Buffer.from(`c ${encodeURIComponent(SECRET)} ${Buffer.from(SECRET).toString("base64")}\n`));
    inner.end();
    const text = (await inner.toArray()).map(String).join("");
    // Base64 keeps its last characters, which depend on what follows the secret too.
    expect(text).toMatch(/^a \[redacted\] b\nc \[redacted\] \[redacted\][A-Za-z0-9+/=]{0,4}\n$/);
  });

  it("is the stream itself when there is nothing to scrub", () => {
    const inner = new PassThrough();
    expect(scrubbedStream(inner, new SecretScrubber([]))).toBe(inner);
  });
});

describe("scrubError", () => {
  it("scrubs an error's message, stack and causes in place", () => {
    const error = new Error(`outer ${SECRET}`, { cause: new Error(`inner ${SECRET}`) });
    const same = scrubError(error, new SecretScrubber([SECRET]));
    expect(same).toBe(error);
    expect(error.message).toBe("outer [redacted]");
    expect(error.stack).not.toContain(SECRET);
    expect((error.cause as Error).message).toBe("inner [redacted]");
  });
});
