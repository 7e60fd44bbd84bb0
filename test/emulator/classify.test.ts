import { describe, expect, it } from "vitest";
import { classify, requestIdOf, uploadTokenOf } from "../../src/emulator/classify.js";

describe("classify: which part of fal's protocol a call speaks to", () => {
  it("names every operation from its method and path", () => {
    const id = "0b6c8a3e-2f4d-4c1b-9a57-2d0f3e1c9b11";
    const cases: Array<[string, string, string]> = [
      ["POST", "/fal-ai/bytedance/seedream/v4.5/edit", "submit"],
      ["GET", "/fal-ai/bytedance/seedream/v4.5/edit", "unknown"],
      ["POST", "/fal-ai/no-such/model", "unknown"],
      ["GET", `/fal-ai/bytedance/requests/${id}/status`, "status"],
      ["GET", `/fal-ai/bytedance/requests/${id}/status/stream`, "status-stream"],
      ["PUT", `/fal-ai/bytedance/requests/${id}/cancel`, "cancel"],
      ["GET", `/fal-ai/bytedance/requests/${id}`, "result"],
      ["GET", `/fal-ai/bytedance/requests/${id}/`, "result"],
      ["POST", "/storage/upload/initiate", "upload-initiate"],
      ["PUT", "/storage/upload/blob/tok", "upload-put"],
      ["GET", "/files/results/x.png", "file"],
      ["GET", "/_emulator/stats", "control"],
    ];
    expect(cases.map(([method, path]) => classify(method, path))).toEqual(cases.map(([, , op]) => op));
  });

  it("reads the request id and the upload token from their paths", () => {
    expect(requestIdOf("/fal-ai/bytedance/requests/abc/status/stream")).toBe("abc");
    expect(requestIdOf("/fal-ai/bytedance/requests/abc")).toBe("abc");
    expect(requestIdOf("/fal-ai/bytedance/seedream/v4.5/edit")).toBeUndefined();
    expect(uploadTokenOf("/storage/upload/blob/t-1")).toBe("t-1");
    expect(uploadTokenOf("/storage/upload/blob/t-1/extra")).toBeUndefined();
  });
});
